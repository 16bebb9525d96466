"""Due steps jump the queue, and a job whose rate limit is full is rescheduled for its place in line instead of
sleeping in the worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import django_rq
import pytest
from django.utils import timezone

from emulator.testing import RunningEmulator
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession
from recordings.sessions import jobs
from recordings.sessions.enqueue import (
    ADVANCE_SESSION,
    QUEUE,
    WAKEUPS_KEY,
    enqueue_advance,
    promote_due_wakeups,
)
from recordings.sessions.lifecycle import SessionState, Trigger
from recordings.sessions.services.sessions import session_create
from tencent import policy, ratelimit
from tencent.ratelimit import RateLimiter, SlotDeferred, limiter_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue() -> Iterator[Any]:
    queue = django_rq.get_queue(QUEUE)
    connection = django_rq.get_connection(QUEUE)
    queue.empty()
    connection.delete(WAKEUPS_KEY)
    yield queue
    queue.empty()
    connection.delete(WAKEUPS_KEY)


def queued_sessions(queue: Any) -> list[int]:
    return [job.args[0] for job in queue.jobs if job.func_name == ADVANCE_SESSION]


def test_a_due_step_enqueued_after_many_starts_runs_before_them(
    queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # django-rq enqueues when the transaction commits
        for session_id in range(1, 51):  # fifty starts, in turn
            enqueue_advance(session_id)
        enqueue_advance(900, at=timezone.now() - timedelta(milliseconds=1))  # a step already due: at once

    assert queued_sessions(queue) == [900, *range(1, 51)]


def test_wakeups_due_soon_are_moved_to_the_front_when_due_earliest_first(
    queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    connection = django_rq.get_connection(QUEUE)
    with django_capture_on_commit_callbacks(execute=True):
        for session_id in range(1, 21):
            enqueue_advance(session_id)
    now = timezone.now()
    enqueue_advance(901, at=now + timedelta(milliseconds=300))
    enqueue_advance(902, at=now + timedelta(milliseconds=200))
    enqueue_advance(903, at=now + timedelta(seconds=60))
    enqueue_advance(903, at=now + timedelta(seconds=90))  # a later wake-up never replaces an earlier one
    assert queued_sessions(queue) == list(range(1, 21))  # not before their time

    time.sleep(0.4)  # both fell due: one drain moves them, the earliest first in line
    promote_due_wakeups(connection)

    assert queued_sessions(queue) == [902, 901, *range(1, 21)]
    next_in = promote_due_wakeups(connection)
    assert next_in is not None and 50 < next_in <= 60  # 903 keeps its earlier time


def test_a_worker_thread_moves_wakeups_to_the_queue_as_they_fall_due(queue: Any) -> None:
    from recordings.sessions.enqueue import WakeupPromoter

    promoter = WakeupPromoter(django_rq.get_connection(QUEUE))
    promoter.start()
    try:
        enqueue_advance(904, at=timezone.now() + timedelta(milliseconds=100))
        deadline = time.monotonic() + 10
        while not queued_sessions(queue) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        promoter.stop()
    assert queued_sessions(queue) == [904]


def test_a_job_whose_rate_limit_is_full_is_rescheduled_for_its_place_and_never_sleeps(
    orch_emulator: RunningEmulator, queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(policy.RATE_LIMITS, "CreateRecordTask", 2)
    monkeypatch.setattr(ratelimit, "WINDOW_MS", 4000)  # a long window: the test holds on a loaded machine
    limiter = limiter_for(orch_emulator_redis_url())
    for suffix in ("", ":line", ":tail"):
        limiter._redis.delete(f"cnr:tencent:rate:CreateRecordTask{suffix}")
    session = session_create(
        room=RoomFactory.create(),
        planned_start=timezone.now(),
        planned_end=timezone.now() + timedelta(minutes=30),
        trigger=Trigger.MANUAL,
        actor=None,
    )
    for other in ("a", "b"):  # two other recordings took this window's record-task slots
        limiter.reserve("CreateRecordTask", per_second=2, owner=f"session:other-{other}")
    job_thread = threading.current_thread()
    real_sleep = time.sleep

    def no_sleep_in_the_job(seconds: float) -> None:
        if threading.current_thread() is job_thread:
            raise AssertionError(f"the job slept {seconds} s in the worker")
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", no_sleep_in_the_job)
    started = time.monotonic()
    assert jobs.advance_session(session.pk) == SessionState.STARTING
    took = time.monotonic() - started
    monkeypatch.setattr(time, "sleep", real_sleep)

    session.refresh_from_db()
    assert session.record_task_created_at is None and session.step_attempts == 0  # nothing was sent
    assert not orch_emulator.state.record_tasks
    assert session.cloud_session_created_at is not None  # the steps before it ran
    wake_ms = django_rq.get_connection(QUEUE).zscore(WAKEUPS_KEY, str(session.pk))
    assert wake_ms is not None
    wait = float(wake_ms) / 1000 - time.time()  # type: ignore[arg-type]
    assert 0 < wait <= 4.05  # its place: where the window frees
    assert took < 3.5  # it did not wait for it

    real_sleep(max(0.0, wait) + 0.05)
    assert promote_due_wakeups(django_rq.get_connection(QUEUE)) is None
    assert queued_sessions(queue) == [session.pk]
    jobs.advance_session(session.pk)  # back at its place: the record task is created
    session.refresh_from_db()
    assert session.record_task_created_at is not None
    assert len(orch_emulator.state.record_tasks) == 1
    with pytest.raises(SlotDeferred):  # and the line is kept: a newcomer now queues behind
        RateLimiter(limiter._redis).reserve("CreateRecordTask", per_second=2, owner="session:newcomer")
    assert RecordingSession.objects.get(pk=session.pk).state == SessionState.STARTING  # push 3 s later


def orch_emulator_redis_url() -> str:
    from django.conf import settings

    return str(settings.REDIS_URL)
