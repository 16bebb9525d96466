"""RQ jobs: the session job re-schedules itself, the tick resumes only sessions that lost their job, and
enqueueing puts due work on the queue and later work in the scheduled registry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import django_rq
import pytest
from django.utils import timezone
from rq.registry import ScheduledJobRegistry

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession
from recordings.sessions import jobs
from recordings.sessions.lifecycle import Trigger
from recordings.sessions.services import orchestrator
from recordings.sessions.services.orchestrator import Outcome
from recordings.sessions.services.sessions import session_create

pytestmark = pytest.mark.django_db


def make_session(start: datetime) -> RecordingSession:
    return session_create(
        room=RoomFactory.create(),
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        trigger=Trigger.MANUAL,
        actor=None,
    )


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, datetime | None]]:
    calls: list[tuple[int, datetime | None]] = []
    monkeypatch.setattr(jobs, "enqueue_advance", lambda session_id, at=None: calls.append((session_id, at)))
    return calls


def test_advance_job_schedules_the_next_look(
    monkeypatch: pytest.MonkeyPatch, enqueued: list[tuple[int, datetime | None]]
) -> None:
    later = timezone.now() + timedelta(seconds=3)
    monkeypatch.setattr(orchestrator, "session_advance", lambda session_id: Outcome("starting", later))
    assert jobs.advance_session(7) == "starting"
    assert enqueued == [(7, later)]
    monkeypatch.setattr(orchestrator, "session_advance", lambda session_id: Outcome("completed", None))
    jobs.advance_session(8)
    assert enqueued == [(7, later)]


def test_tick_resumes_only_sessions_that_lost_their_job(enqueued: list[tuple[int, datetime | None]]) -> None:
    now = timezone.now()
    lost = make_session(now - timedelta(minutes=2))
    make_session(now)  # due right now: its own job is on the way
    make_session(now + timedelta(minutes=5))
    assert jobs.tick() == 1
    assert enqueued == [(lost.pk, None)]


def test_enqueue_now_or_later(django_capture_on_commit_callbacks: Any) -> None:
    queue = django_rq.get_queue(jobs.QUEUE)
    queue.empty()
    registry = ScheduledJobRegistry(queue=queue)
    for job_id in registry.get_job_ids():
        registry.remove(job_id)
    with django_capture_on_commit_callbacks(execute=True):  # django-rq enqueues when the transaction commits
        jobs.enqueue_advance(1)
        jobs.enqueue_advance(2, at=timezone.now() + timedelta(minutes=5))
    assert [job.args for job in queue.jobs] == [(1,)]
    assert len(registry.get_job_ids()) == 1
    queue.empty()
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)
