"""Recording files in the business-backend API: list, read (with a fresh signed URL), and a session's files.

`files_payload(session)` (recordings/payloads.py) is what `GET /api/v1/recordings/{id}` embeds as the recording's files.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from dashboard.access import Capability, current_user
from dashboard.api import ApiError, ErrorDoc, Param, api_operation, by_method, json_response
from dashboard.params import query_id, query_moment
from lifecycle import restore
from recordings.catalog.api import parse_int
from recordings.media.services import files as file_services
from recordings.models import RecordingFile, Room, files_visible_to
from recordings.payloads import file_json, file_storage_json
from tencent.errors import TencentError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

RESTORE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "state": {
            "enum": ["archived", "restoring", "ready"],
            "description": "archived: restore it to play; restoring: asked, not ready yet; ready: plays until `until`.",
        },
        "ready_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the restored copy is (expected to be) readable: Tencent's documented time per tier.",
        },
        "until": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "The copy is readable until.",
        },
        "tiers": {
            "type": "array",
            "description": "The tiers this class is restored with, fastest first, and their documented delay.",
            "items": {
                "type": "object",
                "properties": {
                    "tier": {"enum": ["Expedited", "Standard", "Bulk"]},
                    "seconds": {"type": "integer"},
                },
            },
        },
    },
}
FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "session": {"type": ["integer", "null"], "description": "The recording (session) id, when linked."},
        "room_key": {"type": ["string", "null"]},
        "stream_name": {"type": "string"},
        "storage": {"enum": ["vod", "cos"]},
        "file_id": {"type": "string", "description": "VOD FileId (storage vod)."},
        "cos_key": {"type": "string", "description": "COS object key (storage cos)."},
        "format": {"enum": ["mp4", "hls", "flv", "aac", "mp3"]},
        "size_bytes": {"type": "integer"},
        "duration_s": {"type": "number"},
        "content_start": {"type": "string", "format": "date-time", "description": "end - duration"},
        "content_end": {"type": "string", "format": "date-time"},
        "codec": {"type": "string"},
        "resolution": {"type": "string"},
        "review_status": {"enum": ["pending", "approved", "rejected"]},
        "discovered_at": {"type": "string", "format": "date-time"},
        "deleted_at": {"type": ["string", "null"], "format": "date-time"},
        "storage_class": {
            "enum": ["STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE"],
            "description": "The class the console last moved the file to (its retention policy's doing).",
        },
        "restore": {
            "oneOf": [{"type": "null"}, RESTORE_SCHEMA],
            "description": "null unless the file is archived: then whether it plays (restored) or needs a restore.",
        },
        "url": {"type": "string", "description": "GET this API URL for a fresh signed play/download URL."},
    },
}
FILE_DETAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **FILE_SCHEMA["properties"],
        "signed_url": {"type": ["string", "null"], "description": "Fetchable until signed_url_expires_at."},
        "signed_url_expires_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
FILE_PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
        "now": {
            "type": "string",
            "format": "date-time",
            "description": "Pass as `since` to poll for new files.",
        },
        "results": {"type": "array", "items": FILE_SCHEMA},
    },
}
FILE_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "session": 42,
    "room_key": "live-1002",
    "stream_name": "live-1002-r42",
    "storage": "vod",
    "file_id": "5285890799710173650",
    "cos_key": "",
    "format": "mp4",
    "size_bytes": 73400320,
    "duration_s": 1191.0,
    "content_start": "2026-12-02T12:00:09Z",
    "content_end": "2026-12-02T12:20:00Z",
    "codec": "h264",
    "resolution": "1280x720",
    "review_status": "pending",
    "discovered_at": "2026-12-02T12:20:06Z",
    "deleted_at": None,
    "storage_class": "STANDARD",
    "restore": None,
    "url": "/api/v1/files/7",
}
RESTORE_EXAMPLE: dict[str, Any] = {
    "state": "restoring",
    "ready_at": "2026-12-02T17:30:00Z",
    "until": "2026-12-03T17:30:00Z",
    "tiers": [
        {"tier": "Expedited", "seconds": 300},
        {"tier": "Standard", "seconds": 18000},
        {"tier": "Bulk", "seconds": 43200},
    ],
}


@api_operation(
    path="/files",
    method="GET",
    capability=Capability.VIEW_RECORDINGS,
    summary="List recording files (newest content first)",
    tag="Files",
    response_schema=FILE_PAGE_SCHEMA,
    query={
        "room": Param("Only files of the room with this room key.", example="live-1002"),
        "session": Param("Only files of this recording (session id).", {"type": "integer"}, 42),
        "since": Param(
            "Only files the console learned about at or after this ISO 8601 time (poll with `now`).",
            {"type": "string", "format": "date-time"},
            "2026-12-02T12:00:00Z",
        ),
        "limit": Param(
            f"Page size, at most {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
            {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        "offset": Param("Files to skip.", {"type": "integer", "minimum": 0, "default": 0}),
    },
    description=(
        "Only the files the token's user may see: rejected files hidden by their verdict are listed only for "
        "roles that see reviews (moderators and managers)."
    ),
    response_example={
        "count": 1,
        "limit": 50,
        "offset": 0,
        "now": "2026-12-02T12:30:00Z",
        "results": [FILE_EXAMPLE],
    },
    errors={404: ErrorDoc("`room` names no room.", "No room has the key “live-9999”.")},
)
def file_list(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    now = timezone.now()
    files = files_visible_to(request.user, RecordingFile.objects.listing().select_related("lifecycle"))
    params = request.GET
    if params.get("room"):
        room = Room.objects.filter(room_key=params["room"]).first()
        if room is None:
            raise ApiError(404, gettext("No room has the key “%(key)s”.") % {"key": params["room"]})
        files = files.filter(room=room)
    session_id = query_id(params, "session", "A recording id")
    if session_id is not None:
        files = files.filter(session_id=session_id)
    since = query_moment(params, "since")
    if since is not None:
        files = files.filter(discovered_at__gte=since)
    limit = parse_int("limit", params.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
    offset = parse_int("offset", params.get("offset"), 0, 10**9)
    return json_response(
        {
            "count": files.count(),
            "limit": limit,
            "offset": offset,
            "now": now,
            "results": [file_json(f) for f in files[offset : offset + limit]],
        }
    )


@api_operation(
    path="/files/{id}",
    method="GET",
    capability=Capability.VIEW_RECORDINGS,
    summary="Read a recording file, with a freshly signed URL to play or download it",
    tag="Files",
    response_schema=FILE_DETAIL_SCHEMA,
    description=(
        "An archived file (ARCHIVE / DEEP_ARCHIVE) has no signed URL until it is restored "
        "(`POST /api/v1/files/{id}/restore`); `restore` says how far that is."
    ),
    response_example={
        **FILE_EXAMPLE,
        "signed_url": "https://play.example.com/vod/5285890799710173650/f0.mp4?t=676e1a2b&sign=3f2c…",
        "signed_url_expires_at": "2026-12-02T13:30:00Z",
    },
    errors={
        404: ErrorDoc("No file the token's user may see has this id.", "No recording file has the id 42."),
        502: ErrorDoc(
            "Tencent Cloud refused to sign the URL (e.g. the VOD file is gone); try again later.",
            "The signed URL could not be made: The file does not exist.",
        ),
    },
)
def file_read(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    recording = (
        files_visible_to(request.user, RecordingFile.objects.select_related("room")).filter(pk=id).first()
    )
    if recording is None:
        raise ApiError(404, gettext("No recording file has the id %(id)s.") % {"id": id})
    data = file_json(recording)
    data["signed_url"] = data["signed_url_expires_at"] = None
    state = None if recording.is_deleted else restore.restore_state(recording_file=recording)
    if state is not None:
        data.update(file_storage_json(recording, state))
    if state is not None and state.playable:
        try:
            signed = file_services.signed_url(recording)
        except TencentError as exc:
            raise ApiError(
                502, gettext("The signed URL could not be made: %(error)s") % {"error": exc.message}
            ) from exc
        data["signed_url"], data["signed_url_expires_at"] = signed.url, signed.expires_at
    return json_response(data)


@api_operation(
    path="/files/{id}",
    method="DELETE",
    capability=Capability.OPERATE_RECORDINGS,
    summary="Delete a recording file from VOD or COS",
    tag="Files",
    response_schema={"type": "object", "properties": {"deleted": {"type": "integer"}}},
    description=(
        "Deletes the file at Tencent; its row stays, marked deleted, for the audit trail. A file under a legal "
        "hold (on itself, its recording or its room) is refused."
    ),
    response_example={"deleted": 42},
    errors={
        404: ErrorDoc(
            "No present file the token's user may see has this id.", "No recording file has the id 42."
        ),
        409: ErrorDoc(
            "A legal hold protects the file.",
            "stream-1 MP4 2026-12-01 18:00 +08 is under a legal hold placed by maya: Dispute #1204",
        ),
        502: ErrorDoc(
            "Tencent Cloud refused the deletion; try again later.", "The file could not be deleted: …"
        ),
    },
)
def file_delete(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    visible = files_visible_to(request.user, RecordingFile.objects.present())
    if not visible.filter(pk=id).exists():
        raise ApiError(404, gettext("No recording file has the id %(id)s.") % {"id": id})
    try:
        file_services.recording_file_delete(file_pk=id, actor=current_user(request))
    except file_services.FileHeld as exc:
        raise ApiError(409, str(exc)) from exc
    except file_services.FileAlreadyDeleted as exc:
        raise ApiError(404, gettext("No recording file has the id %(id)s.") % {"id": id}) from exc
    except TencentError as exc:
        raise ApiError(
            502, gettext("The file could not be deleted: %(error)s") % {"error": exc.message}
        ) from exc
    return json_response({"deleted": id})


RESTORE_WRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tier": {
            "enum": ["Expedited", "Standard", "Bulk"],
            "default": "Standard",
            "description": "ARCHIVE: Expedited, Standard or Bulk; DEEP_ARCHIVE: Standard or Bulk.",
        },
        "days": {
            "type": "integer",
            "minimum": 1,
            "maximum": restore.MAX_DAYS,
            "default": 1,
            "description": "How long the restored copy stays readable (billed per day).",
        },
    },
    "additionalProperties": False,
}


@api_operation(
    path="/files/{id}/restore",
    method="POST",
    capability=Capability.VIEW_RECORDINGS,
    summary="Restore an archived file so it can be played",
    tag="Files",
    request_schema=RESTORE_WRITE_SCHEMA,
    response_schema=RESTORE_SCHEMA,
    success_status=202,
    description=(
        "Asks Tencent Cloud for a readable copy of an ARCHIVE / DEEP_ARCHIVE file (VOD RestoreMedia, COS POST "
        "Object restore), ready after the tier's documented delay (Tencent may be faster): poll "
        "`GET /api/v1/files/{id}` until `restore.state` is `ready`. Asking while a restore runs or its copy is "
        "readable changes nothing. Anyone who may play files may restore them; each restore is in the audit log."
    ),
    request_example={"tier": "Standard", "days": 1},
    response_example=RESTORE_EXAMPLE,
    errors={
        404: ErrorDoc(
            "No present file the token's user may see has this id.", "No recording file has the id 42."
        ),
        409: ErrorDoc(
            "The file is not archived: it plays without a restore.",
            "stream-1 MP4 2026-12-01 18:00 +08 is STANDARD: it plays without a restore.",
        ),
        400: ErrorDoc(
            "The tier does not restore this class.",
            "The request body is invalid.",
            {"tier": ["DEEP_ARCHIVE is restored with Standard, Bulk, not Expedited."]},
        ),
        502: ErrorDoc("Tencent Cloud refused the restore; try again later.", "The restore failed: …"),
    },
)
def file_restore(request: HttpRequest, body: dict[str, Any], id: int) -> HttpResponse:
    recording = files_visible_to(request.user, RecordingFile.objects.present()).filter(pk=id).first()
    if recording is None:
        raise ApiError(404, gettext("No recording file has the id %(id)s.") % {"id": id})
    state = restore.restore_state(recording_file=recording)
    if not state.archived:
        raise ApiError(
            409,
            gettext("%(file)s is %(storage_class)s: it plays without a restore.")
            % {"file": recording, "storage_class": state.storage_class},
        )
    if not (state.playable or state.restoring):
        try:
            restore.file_restore(
                recording_file=recording,
                actor=current_user(request),
                tier=str(body.get("tier") or "Standard"),
                days=int(body.get("days") or 1),
            )
        except ValueError as exc:
            raise ApiError(400, gettext("The request body is invalid."), fields={"tier": [str(exc)]}) from exc
        except TencentError as exc:
            raise ApiError(502, gettext("The restore failed: %(error)s") % {"error": exc.message}) from exc
        state = restore.restore_state(recording_file=recording)
    return json_response(restore.restore_json(state), status=202)


files_collection = by_method(GET=file_list)
file_resource = by_method(GET=file_read, DELETE=file_delete)
file_restore_resource = by_method(POST=file_restore)
