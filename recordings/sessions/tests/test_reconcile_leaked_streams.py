"""Reconciliation's look at CSS's online streams: one query for all of them, whatever their number (it runs every
minute over every live recording), with the same verdicts as before."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any, cast

import pytest
from django.utils import timezone

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession, Room
from recordings.sessions.lifecycle import SessionState, Trigger
from recordings.sessions.services import reconcile

pytestmark = pytest.mark.django_db


def sessions(count: int, state: str) -> list[RecordingSession]:
    now = timezone.now()
    made = []
    for _ in range(count):
        room = cast(Room, RoomFactory())
        session = RecordingSession.objects.create(
            room=room,
            trigger=Trigger.MANUAL,
            state=state,
            state_changed_at=now,
            planned_start=now,
            planned_end=now + timedelta(hours=1),
            car_project_id="cap-test0001",
        )
        session.car_user_id = f"{room.stream_name}-r{session.pk}"
        session.save(update_fields=["car_user_id"])
        made.append(session)
    return made


def test_the_online_streams_sessions_are_read_in_one_query(
    monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    live = sessions(30, SessionState.RECORDING)
    [finished] = sessions(1, SessionState.COMPLETED)
    destroyed: list[str] = []

    def destroy(user_id: str, *, session_id: int | None) -> str:
        destroyed.append(user_id)
        return "destroyed"

    monkeypatch.setattr(reconcile, "destroy", destroy)
    monkeypatch.setattr(reconcile, "attention", lambda *args, **kwargs: None)
    online = [s.car_user_id for s in live] + [finished.car_user_id, "someone-elses-stream"]
    # A stream named like one of ours but not the session's own UserId: not that session's.
    impostor = f"zz-r{live[0].pk}"

    # The sessions' states, then the finished one (loaded, released) and the impostor's room check.
    with django_assert_max_num_queries(4):
        reconcile.release_leaked_streams(timezone.now(), [*online, impostor], Counter())

    assert destroyed == [finished.car_user_id]
    finished.refresh_from_db()
    assert finished.cloud_released_at is not None
