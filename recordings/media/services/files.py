"""Recording files: short-lived signed URLs, deletion from VOD/COS, and the sync that catches lost callbacks.

Callbacks are hints (they can be lost), so `recording_files_sync` asks VOD (SearchMedia by stream ids and creation
time) and COS (listing under the record template's CosBucketPath, settings.COS_RECORD_PATH) for what was recorded and adds the files the console does not know.
Both paths upsert on the same unique keys (VOD FileId, COS key), so a file found by both is stored once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboard import audit
from dashboard.audit import Actor
from recordings.models import (
    FileFormat,
    FileSource,
    RecordingFile,
    RecordingSession,
    Room,
    StorageKind,
    StreamPush,
)
from recordings.review.enqueue import enqueue_qa_checks
from recordings.sessions.services import sessions as session_hooks
from tencent import cos, setup_cos_path, signing, vod
from tencent.errors import TencentError
from tencent.results import CosObject, VodMedia
from webhooks import events as webhook_events

logger = logging.getLogger(__name__)

SIGNED_URL_TTL = timedelta(minutes=15)
# The player asks for a fresh URL at 80 % of its lifetime, so playback never hits an expired one.
SIGNED_URL_REFRESH_S = int(SIGNED_URL_TTL.total_seconds() * 0.8)
# SearchMedia takes a bounded list of StreamIds per call; ten keeps each request small.
STREAM_IDS_PER_SEARCH = 10
SEARCH_PAGE_SIZE = 100
# Files of these extensions are recordings; the .ts parts of an HLS recording are not files of their own.
COS_FORMATS = {
    ".mp4": FileFormat.MP4,
    ".m3u8": FileFormat.HLS,
    ".flv": FileFormat.FLV,
    ".aac": FileFormat.AAC,
    ".mp3": FileFormat.MP3,
}
VOD_CONTAINERS = {"mp4": FileFormat.MP4, "mov": FileFormat.MP4, "hls": FileFormat.HLS, "m3u8": FileFormat.HLS}


@dataclass(frozen=True)
class SignedUrl:
    url: str
    expires_at: datetime


def signed_url(recording: RecordingFile, *, now: datetime | None = None) -> SignedUrl:
    """A URL a browser can fetch for the next 15 minutes: VOD key hotlink or COS presign."""
    expires_at = (now or timezone.now()) + SIGNED_URL_TTL
    if recording.storage == StorageKind.VOD:
        url = signing.vod_hotlink_url(url=recording.url, expires_at=expires_at)
    else:
        url = cos.presigned_get_url(key=recording.cos_key, expires_s=int(SIGNED_URL_TTL.total_seconds()))
    return SignedUrl(url=url, expires_at=expires_at)


class FileAlreadyDeleted(Exception):
    pass


class FileHeld(Exception):
    """The file may not be deleted (a legal hold protects it); the message says why."""


# Consulted before a file is deleted: a non-empty answer refuses the deletion with it. Apps that protect files
# register here (lifecycle: legal holds), so this module needs none of them.
DELETE_VETOES: list[Callable[[RecordingFile], str]] = []


@transaction.atomic
def recording_file_delete(*, file_pk: int, actor: Actor) -> RecordingFile:
    """Delete the file from VOD or COS, then mark it deleted (kept as a row for the audit trail)."""
    recording = RecordingFile.objects.select_for_update().get(pk=file_pk)
    if recording.deleted_at is not None:
        raise FileAlreadyDeleted(f"{recording} was already deleted.")
    for veto in DELETE_VETOES:
        reason = veto(recording)
        if reason:
            raise FileHeld(reason)
    try:
        if recording.storage == StorageKind.VOD:
            vod.delete_media(file_id=recording.file_id)
        else:
            cos.delete_object(key=recording.cos_key)
    except TencentError as exc:
        if not exc.is_code("ResourceNotFound", "InvalidParameterValue.FileId", "NoSuchKey"):
            raise
        logger.info("%s was already gone from %s: %s", recording, recording.storage, exc)
    recording.deleted_at = timezone.now()
    recording.save(update_fields=["deleted_at"])
    webhook_events.file_changed(recording, deleted=True)
    audit.record(
        actor=actor,
        action="file.delete",
        obj=recording,
        changes={
            "storage": recording.storage,
            "key": recording.storage_key,
            "size_bytes": recording.size_bytes,
        },
    )
    return recording


@dataclass
class SyncReport:
    vod_seen: int = 0
    cos_seen: int = 0
    created: int = 0
    linked: int = 0

    def __str__(self) -> str:
        return (
            f"VOD files seen: {self.vod_seen}, COS files seen: {self.cos_seen}, "
            f"new: {self.created}, linked to sessions: {self.linked}"
        )


def recording_files_sync(*, since: datetime, until: datetime | None = None) -> SyncReport:
    """Add the VOD and COS recordings created in [since, until] that no callback told us about."""
    until = until or timezone.now()
    report = SyncReport()
    streams = sorted(_known_streams(since))
    for start in range(0, len(streams), STREAM_IDS_PER_SEARCH):
        for media in _search_vod(streams[start : start + STREAM_IDS_PER_SEARCH], since, until):
            report.vod_seen += 1
            with transaction.atomic():  # the file and its file.created event commit together
                _record_sync_result(report, _upsert_vod(media))
    for obj in cos.list_all_objects(prefix=setup_cos_path.listing_prefix()):
        if not (since <= obj.last_modified <= until) or _cos_format(obj.key) is None:
            continue
        report.cos_seen += 1
        with transaction.atomic():
            _record_sync_result(report, _upsert_cos(obj))
    return report


def _record_sync_result(report: SyncReport, result: tuple[RecordingFile, bool]) -> None:
    recording, created = result
    if not created:
        return
    report.created += 1
    enqueue_qa_checks(recording.pk)
    webhook_events.file_changed(recording)
    if recording.session_id is not None:
        report.linked += 1
        session_hooks.session_file_arrived(session_id=recording.session_id)


def _known_streams(since: datetime) -> set[str]:
    names = set(Room.objects.exclude(stream_name="").values_list("stream_name", flat=True))
    names |= set(
        StreamPush.objects.filter(started_at__gte=since - timedelta(days=1)).values_list(
            "stream_name", flat=True
        )
    )
    names |= set(
        RecordingSession.objects.filter(planned_end__gte=since)
        .exclude(car_user_id="")
        .values_list("car_user_id", flat=True)
    )
    names.discard("")
    return names


def _search_vod(stream_ids: list[str], since: datetime, until: datetime) -> Iterator[VodMedia]:
    # CreateTime is in whole seconds and TimeRange.Before is exclusive: asking "before `until`" (sent in whole
    # seconds too) would leave out the files created in `until`'s own second, e.g. one made just before a sync
    # that runs right after a recording ends. The next whole second covers them (a later one is harmless: the
    # upsert is idempotent).
    before = until.replace(microsecond=0) + timedelta(seconds=1)
    offset = 0
    while True:
        page = vod.search_media(
            stream_ids=stream_ids,
            created_after=since,
            created_before=before,
            offset=offset,
            limit=SEARCH_PAGE_SIZE,
        )
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


@transaction.atomic
def _upsert_vod(media: VodMedia) -> tuple[RecordingFile, bool]:
    end = media.record_end or media.create_time
    start = media.record_start or end - timedelta(seconds=media.duration_s)
    if media.duration_s and media.record_end:
        # As in the callback: the content starts at end - duration, not at the record start.
        start = media.record_end - timedelta(seconds=media.duration_s)
    session, room = _link(media.stream_id, start)
    return RecordingFile.objects.get_or_create(
        storage=StorageKind.VOD,
        file_id=media.file_id,
        defaults={
            "format": _vod_format(media),
            "url": media.media_url,
            "size_bytes": media.size_bytes,
            "duration_s": media.duration_s,
            "content_start": min(start, end),
            "content_end": end,
            "resolution": f"{media.width}x{media.height}" if media.width and media.height else "",
            "stream_name": media.stream_id,
            "session": session,
            "room": room,
            "source": FileSource.SYNC,
        },
    )


@transaction.atomic
def _upsert_cos(obj: CosObject) -> tuple[RecordingFile, bool]:
    stream = _cos_stream(obj.key)
    session, room = _link(stream, obj.last_modified)
    return RecordingFile.objects.get_or_create(
        storage=StorageKind.COS,
        cos_key=obj.key,
        defaults={
            "format": _cos_format(obj.key) or FileFormat.MP4,
            "url": _cos_url(obj.key),
            "size_bytes": obj.size_bytes,
            "duration_s": 0,
            "content_start": obj.last_modified,
            "content_end": obj.last_modified,
            "stream_name": stream,
            "session": session,
            "room": room,
            "source": FileSource.SYNC,
        },
    )


def _link(stream_name: str, at: datetime) -> tuple[RecordingSession | None, Room | None]:
    session = RecordingSession.objects.session_for_stream(stream_name, at)
    if session is not None:
        return session, session.room
    return None, Room.objects.filter(stream_name=stream_name).first() if stream_name else None


def _vod_format(media: VodMedia) -> str:
    container = media.container.lower().split(",")[0].strip()
    if container in VOD_CONTAINERS:
        return VOD_CONTAINERS[container]
    return _cos_format(media.media_url.split("?")[0]) or FileFormat.MP4


def _cos_format(key: str) -> str | None:
    return COS_FORMATS.get(PurePosixPath(key).suffix.lower())


def _cos_stream(key: str) -> str:
    """The stream of a COS recording, read out of its key by the template's CosBucketPath."""
    return setup_cos_path.stream_of_key(key)


def _cos_url(key: str) -> str:
    return f"https://{settings.COS_BUCKET}.cos.{settings.COS_REGION}.myqcloud.com/{key}"
