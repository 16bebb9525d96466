"""Reconciliation: compare the database with the cloud every minute, release what leaked, unstick what stalled.

CAR cannot list its sessions, so "our UserIds" are known from two sides: sessions whose concurrency was
requested and never released (the database's view) and online CSS streams named like our UserIds (the cloud's
view). DescribeConcurrentCount tells whether anything else is still held. Every action is audited and leaves an
`Attention` row for the overview page.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from recordings.models import Attention, AttentionKind, RecordingSession, RecordTask, Room
from recordings.sessions.lifecycle import TERMINAL_STATES, SessionState
from recordings.sessions.models.sessions import USER_ID_PATTERN, session_pk_from_user_id
from recordings.sessions.services.attention import attention
from recordings.sessions.services.orchestrator import hard_maximum, session_advance, write
from tencent import car, css
from tencent.context import api_call_context
from tencent.errors import TencentError

S = SessionState
TASK_WINDOW = timedelta(days=1)
MISMATCH_REPEAT = timedelta(minutes=30)
# A stop retries DestroySession with back-off for minutes on its own; past this, reconciliation releases it.
STOPPING_STUCK = timedelta(minutes=10)


def destroy(user_id: str, *, session_id: int | None) -> str:
    """DestroySession, treating "already gone" as done. Returns what happened, in words."""
    with api_call_context(session_id=session_id):
        try:
            car.destroy_session(user_id=user_id)
        except TencentError as exc:
            if exc.is_code("ResourceNotFound"):
                return "already gone"
            raise
    return "destroyed"


def release_terminal_sessions(now: datetime, counts: Counter[str]) -> None:
    """Finished sessions that may still hold a concurrency (a failed undo, a crash mid-start), and sessions
    stuck in `stopping` (a hung worker, a stop call failing for good): a held concurrency is billed by the hour,
    so it is released here whatever the stop's own progress; the stop then finds it released and finishes."""
    stuck = Q(state=S.STOPPING, state_changed_at__lt=now - STOPPING_STUCK)
    for session in RecordingSession.objects.filter(
        Q(state__in=TERMINAL_STATES) | stuck
    ).may_hold_cloud_resources():
        try:
            outcome = destroy(session.car_user_id, session_id=session.pk)
        except TencentError as exc:
            write(session, last_error=str(exc)[:500])
            counts["errors"] += 1
            continue
        write(session, cloud_released_at=now, push_stopped_at=session.push_stopped_at or now)
        if outcome == "destroyed":
            counts["leaked_destroyed"] += 1
            state = (
                f"stopping for more than {STOPPING_STUCK}" if session.state == S.STOPPING else session.state
            )
            attention(
                AttentionKind.LEAKED_SESSION,
                now=now,
                session=session,
                subject=session.car_user_id,
                message=f"{session} was {state} but its CAR session was still held.",
                action_taken="DestroySession",
            )


def is_our_stream(stream_name: str) -> bool:
    match = USER_ID_PATTERN.match(stream_name)
    if match is None:
        return False
    base = match.group("base")
    return Room.objects.filter(Q(stream_name=base) | Q(stream_name__startswith=base)).exists()


def release_leaked_streams(now: datetime, online: list[str], counts: Counter[str]) -> None:
    """Online streams named like our UserIds whose session is finished, finalizing or unknown."""
    named = {stream_name: session_pk_from_user_id(stream_name) for stream_name in online}
    # One query for every online stream's session (one each cost 1,000 queries a minute at 1,000 live recordings),
    # and only the two columns that decide: nearly every online stream is a live recording, left alone.
    known = {
        pk: (user_id, state)
        for pk, user_id, state in RecordingSession.objects.filter(
            pk__in=[pk for pk in named.values() if pk is not None]
        ).values_list("pk", "car_user_id", "state")
    }
    for stream_name, pk in named.items():
        if pk is None:
            continue
        user_id, state = known.get(pk, ("", ""))
        ours = user_id == stream_name
        if ours and state not in (*TERMINAL_STATES, S.FINALIZING):
            continue
        if not ours and not is_our_stream(stream_name):
            continue
        session = RecordingSession.objects.filter(pk=pk).first() if ours else None
        try:
            outcome = destroy(stream_name, session_id=pk if session else None)
        except TencentError as exc:
            counts["errors"] += 1
            if session is not None:
                write(session, last_error=str(exc)[:500])
            continue
        if session is not None:
            write(session, cloud_released_at=now)
        if outcome != "destroyed":  # released earlier in this pass; the online list lags behind
            continue
        counts["leaked_destroyed"] += 1
        state = session.state if session else "unknown to the database"
        attention(
            AttentionKind.LEAKED_SESSION,
            now=now,
            session=session,
            subject=stream_name,
            message=f"Stream {stream_name} was still pushing although its recording is {state}.",
            action_taken="DestroySession",
        )


def stop_orphan_tasks(now: datetime, counts: Counter[str]) -> None:
    """Record tasks of ours still running for finished sessions."""
    try:
        # DescribeRecordTask lists the tasks lying wholly inside the range (≤ 1 week): a task runs ≤ 24 h and a
        # chained one is created up to an hour before it starts, so one day back and two ahead hold every live one.
        tasks = css.describe_record_tasks(start_time=now - TASK_WINDOW, end_time=now + 2 * TASK_WINDOW)
    except TencentError:
        counts["errors"] += 1
        return
    # The state of each task's session, not the task and session models: nearly every task belongs to a live
    # recording and is left alone (1,000 of each a minute at 1,000 live recordings).
    session_states = dict(
        RecordTask.objects.filter(task_id__in=[t.task_id for t in tasks]).values_list(
            "task_id", "session__state"
        )
    )
    for cloud_task in tasks:
        state = session_states.get(cloud_task.task_id)
        if cloud_task.stopped or cloud_task.end_time <= now or state is None:
            continue
        if state not in TERMINAL_STATES and state != S.FINALIZING:
            continue
        mine = RecordTask.objects.select_related("session").filter(task_id=cloud_task.task_id).first()
        if mine is None:
            continue
        with api_call_context(session_id=mine.session_id):
            try:
                css.stop_record_task(task_id=cloud_task.task_id)
            except TencentError as exc:
                if exc.retryable:
                    counts["errors"] += 1
                    continue
        RecordTask.objects.filter(pk=mine.pk).update(stopped_at=now)
        counts["tasks_stopped"] += 1
        attention(
            AttentionKind.ORPHAN_TASK,
            now=now,
            session=mine.session,
            subject=cloud_task.task_id,
            message=f"Record task of {mine.session} was still active after the recording ended.",
            action_taken="StopRecordTask",
        )


def compare_concurrency(now: datetime, counts: Counter[str]) -> None:
    """CAR's Running count against the sessions we know to hold a concurrency, per project."""
    projects = set(
        RecordingSession.objects.filter(planned_start__gte=now - timedelta(days=2)).values_list(
            "car_project_id", flat=True
        )
    )
    for project_id in sorted(projects):
        try:
            count = car.describe_concurrent_count(project_id=project_id)
        except TencentError:
            counts["errors"] += 1
            continue
        ours = RecordingSession.objects.filter(car_project_id=project_id).may_hold_cloud_resources().count()
        if count.running <= ours:
            continue
        recent = Attention.objects.filter(
            kind=AttentionKind.COUNT_MISMATCH, subject=project_id, at__gte=now - MISMATCH_REPEAT
        )
        if not recent.exists():
            attention(
                AttentionKind.COUNT_MISMATCH,
                now=now,
                subject=project_id,
                message=(
                    f"CAR reports {count.running} running in {project_id} but the console accounts for {ours}: "
                    "another client of the project, or a session the console cannot name."
                ),
            )


def repair_stuck_sessions(now: datetime, online: set[str] | None, counts: Counter[str]) -> None:
    start_timeout = timedelta(seconds=settings.RECORDING_START_TIMEOUT_SECONDS)
    grace = timedelta(seconds=settings.RECORDING_STREAM_LOST_GRACE_SECONDS)
    for session in RecordingSession.objects.filter(
        state=S.STARTING, state_changed_at__lt=now - start_timeout
    ):
        session_advance(session_id=session.pk, now=now)
        session.refresh_from_db()
        counts["stuck_starting"] += 1
        attention(
            AttentionKind.STUCK_STARTING,
            now=now,
            session=session,
            subject=session.car_user_id,
            message=f"{session} was starting for more than {start_timeout}.",
            action_taken=f"Start abandoned and undone; now {session.state}.",
        )
    for session in _recordings_to_look_at(now, online, grace):
        began = session.stream_live_at or session.state_changed_at
        if now >= began + hard_maximum(session):
            session_advance(session_id=session.pk, now=now)
            counts["runaway"] += 1
            attention(
                AttentionKind.RUNAWAY,
                now=now,
                session=session,
                subject=session.car_user_id,
                message=f"{session} reached the hard maximum of {session.room.effective_max_recording_minutes} min.",
                action_taken="Stopped",
            )
            continue
        if (
            online is not None
            and session.car_user_id not in online
            and session.stream_lost_at is None
            and began < now - grace
        ):
            write(session, stream_lost_at=now, next_attempt_at=now)
            counts["no_live_stream"] += 1
            attention(
                AttentionKind.NO_LIVE_STREAM,
                now=now,
                session=session,
                subject=session.car_user_id,
                message=f"{session} is recording but its stream is not online.",
                action_taken="Push restart after the grace period, then fail",
            )
    for session in RecordingSession.objects.filter(state=S.FINALIZING, finalize_deadline__lt=now):
        session_advance(session_id=session.pk, now=now)
        session.refresh_from_db()
        if session.state == S.FAILED:
            counts["no_file"] += 1
            attention(
                AttentionKind.NO_FILE,
                now=now,
                session=session,
                subject=session.car_user_id,
                message=session.failure_reason,
                action_taken="Marked failed",
            )


def _recordings_to_look_at(
    now: datetime, online: set[str] | None, grace: timedelta
) -> list[RecordingSession]:
    """The recordings past their hard maximum or whose stream is not online, as models; the others (nearly all)
    are decided from six columns, not loaded with their room and app (3,000 models a minute at 1,000 live)."""
    rows = RecordingSession.objects.filter(state=S.RECORDING).values_list(
        "pk",
        "car_user_id",
        "stream_live_at",
        "state_changed_at",
        "stream_lost_at",
        "room__max_recording_minutes",
        "room__client_app__max_recording_minutes",
    )
    wanted = []
    for pk, user_id, live_at, changed_at, lost_at, room_max, app_max in rows:
        began = live_at or changed_at
        # Room.effective_max_recording_minutes, from the two columns (hard_maximum() decides again on the model).
        maximum = timedelta(minutes=min(room_max, app_max) if room_max else app_max)
        offline = online is not None and user_id not in online and lost_at is None and began < now - grace
        if now >= began + maximum or offline:
            wanted.append(pk)
    if not wanted:
        return []
    return list(
        RecordingSession.objects.filter(pk__in=wanted).select_related("room__client_app").order_by("pk")
    )


def advance_due(now: datetime, counts: Counter[str]) -> None:
    """Sessions whose next look is overdue (a lost job, a worker killed mid-step) are driven again."""
    overdue = RecordingSession.objects.due(now - timedelta(seconds=30)).exclude(next_attempt_at__isnull=True)
    for session_id in overdue.values_list("pk", flat=True)[:200]:
        session_advance(session_id=session_id, now=now)
        counts["advanced"] += 1


def reconcile(*, now: datetime) -> dict[str, int]:
    counts: Counter[str] = Counter()
    try:
        online_streams = [stream.stream_name for stream in css.describe_live_stream_online_list()]
        online: set[str] | None = set(online_streams)
    except TencentError:
        online_streams, online = [], None
        counts["errors"] += 1
    repair_stuck_sessions(now, online, counts)
    advance_due(now, counts)
    release_terminal_sessions(now, counts)
    release_leaked_streams(now, online_streams, counts)
    stop_orphan_tasks(now, counts)
    compare_concurrency(now, counts)
    return dict(counts)
