"""Content recognition of a recording for its reviewers: MPS ProcessMedia with an AI recognition task on the file's
signed URL, then polling DescribeTaskDetail (an RQ job) until the speech and on-screen text come back as a
transcript with times, which the review page lists beside the player.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dashboard import audit
from dashboard.access import Capability, has_capability
from recordings.media.services import files
from recordings.models import CheckState, RecordingFile, Transcript, TranscriptSegment
from recordings.review.enqueue import enqueue_transcript_poll
from recordings.review.services.review import ReviewError
from tencent import mps
from tencent.errors import TencentError

# MPS fetches the input some time after the task is created: give it a URL that stays valid long enough.
INPUT_URL_TTL = timedelta(hours=6)
POLL_EVERY = timedelta(seconds=5)
GIVE_UP_AFTER = timedelta(hours=6)


def recognition_enabled() -> bool:
    return bool(settings.MPS_RECOGNITION_ENABLED)


def _input_url(recording: RecordingFile) -> str:
    now = timezone.now()
    return files.signed_url(recording, now=now + INPUT_URL_TTL - files.SIGNED_URL_TTL).url


@transaction.atomic
def transcript_request(*, file_pk: int, actor: User) -> Transcript:
    """Start recognition of the file (once; a failed one may be asked for again)."""
    if not recognition_enabled():
        raise ReviewError(gettext("Content recognition is not enabled on this console."))
    if not has_capability(actor, Capability.REVIEW):
        raise ReviewError(gettext("Only moderators ask for recognition."))
    recording = RecordingFile.objects.select_for_update().filter(pk=file_pk).first()
    if recording is None or recording.deleted_at is not None:
        raise ReviewError(gettext("This file is gone."))
    existing = Transcript.objects.filter(file=recording).first()
    if existing is not None and existing.state != CheckState.FAILED:
        raise ReviewError(gettext("Recognition was already requested for this file."))
    try:
        task_id = mps.process_media_recognition(
            input_url=_input_url(recording),
            definition=settings.MPS_RECOGNITION_DEFINITION,
            session_context=f"recording-file-{recording.pk}",
        )
    except TencentError as exc:
        raise ReviewError(
            gettext("MPS did not start the recognition: %(error)s") % {"error": exc.message}
        ) from exc
    transcript, _ = Transcript.objects.update_or_create(
        file=recording,
        defaults={
            "task_id": task_id,
            "state": CheckState.RUNNING,
            "requested_by": actor,
            "requested_at": timezone.now(),
            "finished_at": None,
            "error": "",
        },
    )
    transcript.segments.all().delete()
    audit.record(actor=actor, action="review.recognition", obj=recording, changes={"task_id": task_id})
    enqueue_transcript_poll(transcript.pk, delay=POLL_EVERY)
    return transcript


def transcript_refresh(*, transcript_pk: int, now: datetime | None = None) -> Transcript:
    """Ask MPS how the task is doing; store the segments when it finished. Returns the transcript."""
    now = now or timezone.now()
    transcript = Transcript.objects.get(pk=transcript_pk)
    if transcript.state != CheckState.RUNNING:
        return transcript
    try:
        task = mps.describe_task(task_id=transcript.task_id)
    except TencentError as exc:
        if exc.retryable and now - transcript.requested_at < GIVE_UP_AFTER:
            return transcript
        return _finish(transcript, state=CheckState.FAILED, error=exc.message, now=now)
    if not task.is_finished:
        if now - transcript.requested_at > GIVE_UP_AFTER:
            return _finish(transcript, state=CheckState.FAILED, error="MPS did not finish in time.", now=now)
        return transcript
    if task.failed:
        return _finish(
            transcript, state=CheckState.FAILED, error=task.message or f"error {task.error_code}", now=now
        )
    return _finish(transcript, state=CheckState.DONE, segments=task.segments, now=now)


@transaction.atomic
def _finish(
    transcript: Transcript,
    *,
    state: str,
    now: datetime,
    error: str = "",
    segments: list[mps.RecognitionSegment] | None = None,
) -> Transcript:
    transcript.state, transcript.error, transcript.finished_at = state, error[:2000], now
    transcript.save(update_fields=["state", "error", "finished_at"])
    if segments is not None:
        TranscriptSegment.objects.filter(transcript=transcript).delete()
        TranscriptSegment.objects.bulk_create(
            TranscriptSegment(
                transcript=transcript,
                source=segment.source,
                start_s=max(segment.start_s, 0.0),
                end_s=max(segment.end_s, segment.start_s, 0.0),
                text=segment.text,
            )
            for segment in segments
        )
    audit.record(
        actor=None,
        action="review.recognition_done" if state == CheckState.DONE else "review.recognition_failed",
        obj=transcript.file,
        changes={"segments": len(segments or []), "error": error},
    )
    return transcript
