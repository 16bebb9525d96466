"""Reconciliation runs every minute over every live recording: healthy ones are decided from a few columns (the
queries do not grow with them), and a runaway or an offline stream is still found and acted on."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from recordings.models import RecordingSession
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.services import reconcile
from recordings.sessions.tests.test_reconcile_leaked_streams import sessions

pytestmark = pytest.mark.django_db


def live(count: int, *, minutes_ago: int = 5) -> list[RecordingSession]:
    made = sessions(count, SessionState.RECORDING)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    RecordingSession.objects.filter(pk__in=[s.pk for s in made]).update(stream_live_at=at)
    return made


@pytest.fixture
def advanced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    monkeypatch.setattr(reconcile, "session_advance", lambda *, session_id, now: seen.append(session_id))
    monkeypatch.setattr(reconcile, "attention", lambda *args, **kwargs: None)
    return seen


def test_healthy_recordings_cost_the_same_queries_however_many(
    advanced: list[int], django_assert_num_queries: Any
) -> None:
    few = live(2)
    with django_assert_num_queries(3):  # stuck starting, the recordings' columns, stuck finalizing
        reconcile.repair_stuck_sessions(timezone.now(), {s.car_user_id for s in few}, Counter())
    many = few + live(20)
    with django_assert_num_queries(3):
        reconcile.repair_stuck_sessions(timezone.now(), {s.car_user_id for s in many}, Counter())
    assert advanced == []


def test_runaways_by_the_rooms_or_the_apps_maximum_are_stopped(advanced: list[int]) -> None:
    healthy, by_room, by_app = live(3, minutes_ago=90)
    by_room.room.max_recording_minutes = 60
    by_room.room.save(update_fields=["max_recording_minutes"])
    by_app.room.max_recording_minutes = None
    by_app.room.save(update_fields=["max_recording_minutes"])
    by_app.room.client_app.max_recording_minutes = 60
    by_app.room.client_app.save(update_fields=["max_recording_minutes"])
    healthy.room.max_recording_minutes = 120
    healthy.room.save(update_fields=["max_recording_minutes"])
    healthy.room.client_app.max_recording_minutes = 180
    healthy.room.client_app.save(update_fields=["max_recording_minutes"])
    counts: Counter[str] = Counter()

    reconcile.repair_stuck_sessions(
        timezone.now(), {healthy.car_user_id, by_room.car_user_id, by_app.car_user_id}, counts
    )
    assert sorted(advanced) == sorted([by_room.pk, by_app.pk])
    assert counts["runaway"] == 2


def test_a_recording_whose_stream_is_not_online_is_marked_lost(advanced: list[int]) -> None:
    online, offline = live(2)
    counts: Counter[str] = Counter()
    now = timezone.now()

    reconcile.repair_stuck_sessions(now, {online.car_user_id}, counts)
    assert counts["no_live_stream"] == 1
    assert RecordingSession.objects.get(pk=offline.pk).stream_lost_at == now
    assert RecordingSession.objects.get(pk=online.pk).stream_lost_at is None
    # Without CSS's list (an error), nothing is judged offline.
    reconcile.repair_stuck_sessions(now, None, Counter())
    assert RecordingSession.objects.filter(stream_lost_at__isnull=False).count() == 1
