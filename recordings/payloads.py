"""The API's representations of recordings and files, shared by the API views and the webhook events.

Kept apart from the views (which call the services) so that the services' events can build them without an import
cycle: this module reads models only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse

from dashboard.api import ApiError
from lifecycle.restore import RestoreState, lifecycle_of, recorded_state, restore_json
from recordings.models import RecordingFile, RecordingSession, files_visible_to


def file_json(recording: RecordingFile) -> dict[str, Any]:
    return {
        "id": recording.pk,
        "session": recording.session_id,
        "room_key": recording.room.room_key if recording.room is not None else None,
        "stream_name": recording.stream_name,
        "storage": recording.storage,
        "file_id": recording.file_id,
        "cos_key": recording.cos_key,
        "format": recording.format,
        "size_bytes": recording.size_bytes,
        "duration_s": recording.duration_s,
        "content_start": recording.content_start,
        "content_end": recording.content_end,
        "codec": recording.codec,
        "resolution": recording.resolution,
        "review_status": recording.review_status,
        "discovered_at": recording.discovered_at,
        "deleted_at": recording.deleted_at,
        **file_storage_json(recording),
        "url": reverse("recordings:api_file", args=[recording.pk]),
    }


def file_storage_json(recording: RecordingFile, state: RestoreState | None = None) -> dict[str, Any]:
    """The file's storage class and, when archived, its restore, as the console last learned them (no call to
    Tencent; GET /api/v1/files/{id} asks first and passes `state`)."""
    lifecycle = lifecycle_of(recording)
    if state is None:
        state = recorded_state(recording_file=recording, lifecycle=lifecycle)
    return {
        "storage_class": lifecycle.storage_class if lifecycle is not None else "STANDARD",
        "restore": restore_json(state) if state.archived else None,
    }


def files_payload(session: RecordingSession, user: AbstractBaseUser | AnonymousUser) -> list[dict[str, Any]]:
    """The files of one recording that `user` may see, oldest first (for GET /api/v1/recordings/{id})."""
    files = files_visible_to(
        user, RecordingFile.objects.of_session(session.pk).select_related("room", "lifecycle")
    )
    return [file_json(f) for f in files]


def recording_json(session: RecordingSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "state": session.state,
        "room": session.room.room_key,
        "room_name": session.room.name,
        "trigger": session.trigger,
        "planned_start": session.planned_start,
        "planned_end": session.planned_end,
        "stream_name": session.car_user_id,
        "record_task_ids": [task.task_id for task in session.record_tasks.all()],
        "steps": {
            "concurrency_applied": session.concurrency_applied_at,
            "session_created": session.cloud_session_created_at,
            "record_task_created": session.record_task_created_at,
            "push_started": session.push_started_at,
            "stream_live": session.stream_live_at,
            "record_task_stopped": session.record_stopped_at,
            "push_stopped": session.push_stopped_at,
            "session_destroyed": session.cloud_released_at,
        },
        "started_by": session.started_by.get_username() if session.started_by else None,
        "live_at": session.stream_live_at,
        "ended_at": session.ended_at,
        "files_found": session.files_found,
        "failure_reason": session.failure_reason,
        "failed_step": session.failed_step,
        "url": reverse("recordings:session_detail", args=[session.pk]),
    }


def find_recording(pk: int) -> RecordingSession:
    session = (
        RecordingSession.objects.select_related("room", "started_by")
        .prefetch_related("record_tasks")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise ApiError(404, f"No recording #{pk}.")
    return session
