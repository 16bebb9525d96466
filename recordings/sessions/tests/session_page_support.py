"""A recording moved through its life by the services the workers and callbacks use (no emulator, no clock
games), for the tests of the session page staying current, and the poll's parsing."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from recordings.models import RecordingFile, RecordingSession, RecordTask, Room, StorageKind
from recordings.sessions.lifecycle import SessionState, Step, Trigger
from recordings.sessions.services.orchestrator import note_step, transition
from recordings.sessions.services.sessions import session_create
from tencent.models import ApiCall

S = SessionState
POLLER = re.compile(r'<div id="session-poll"[^>]*>')


def starting_session(room: Room) -> RecordingSession:
    """A manual recording that has just begun its start (the page an operator lands on after pressing start)."""
    now = timezone.now()
    session = session_create(
        room=room, planned_start=now, planned_end=now + timedelta(hours=1), trigger=Trigger.MANUAL, actor=None
    )
    RecordingSession.objects.filter(pk=session.pk).update(car_user_id=f"{room.stream_name}-r{session.pk}")
    session.refresh_from_db()
    transition(session, S.STARTING, now=now, reason="Starting now.", concurrency_requested_at=now)
    ApiCall.objects.create(service="car", action="ApplyConcurrent", outcome="ok", session_id=session.pk)
    return session


def goes_live(session: RecordingSession) -> None:
    """The start's remaining steps: a record task, the push, the stream live."""
    now = timezone.now()
    RecordingSession.objects.filter(pk=session.pk).update(
        concurrency_applied_at=now,
        cloud_session_created_at=now,
        record_task_created_at=now,
        push_started_at=now,
    )
    RecordTask.objects.create(
        session=session, task_id="task-live-1", start_time=now, end_time=session.planned_end
    )
    ApiCall.objects.create(service="css", action="CreateRecordTask", outcome="ok", session_id=session.pk)
    transition(
        session, S.RECORDING, now=now, step=Step.LIVE, reason="The stream is live.", stream_live_at=now
    )


def stops(session: RecordingSession) -> None:
    """A stop asked for, and its steps done: the recording waits for its files."""
    now = timezone.now()
    RecordingSession.objects.filter(pk=session.pk).update(
        stop_requested_at=now, stop_reason="Stopped by test."
    )
    transition(session, S.STOPPING, now=now, reason="Stopped by test.")
    RecordTask.objects.filter(session=session).update(stopped_at=now)
    ApiCall.objects.create(service="car", action="DestroySession", outcome="ok", session_id=session.pk)
    transition(
        session,
        S.FINALIZING,
        now=now,
        reason="Released.",
        record_stopped_at=now,
        push_stopped_at=now,
        cloud_released_at=now,
        ended_at=now,
    )


def files_arrive(session: RecordingSession) -> RecordingFile:
    """CSS delivered a file (the callback or the sync stored it) and the finalizing step saw it: completed."""
    now = timezone.now()
    file = RecordingFile.objects.create(
        room=session.room,
        session=session,
        storage=StorageKind.VOD,
        file_id="vod-file-1",
        format="mp4",
        url="https://vod.example.com/a/file.mp4",
        size_bytes=2_000_000,
        duration_s=61.0,
        content_start=now - timedelta(seconds=61),
        content_end=now,
        stream_name=session.car_user_id,
    )
    RecordingSession.objects.filter(pk=session.pk).update(files_found=1)
    note_step(session, Step.FILES, now=now, reason="1 file(s) found in VOD/COS.")
    transition(
        session, S.COMPLETED, now=now, step=Step.FILES, reason="Recording files are in.", completed_at=now
    )
    return file


def poll_url(html: str) -> str | None:
    """The URL the page's poller asks, or None when it does not poll."""
    tag = POLLER.search(html)
    assert tag is not None, "the page has no poller"
    found = re.search(r'hx-get="([^"]+)"', tag.group(0))
    return found.group(1).replace("&amp;", "&") if found else None
