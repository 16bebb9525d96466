"""The low-bitrate rule runs every 30 s over every live recording: its database work does not grow with them,
and a low recording is still named in its alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts import rules
from alerts.models import RuleKind
from alerts.rules import SPECS
from alerts.tests.support import rule_of
from recordings.media.services import live
from recordings.models import RecordingSession
from recordings.review.tests.support import make_room, make_session
from recordings.sessions.lifecycle import SessionState
from tencent.results import PushSample

pytestmark = pytest.mark.django_db


def _live_sessions(count: int, now):
    room = make_room(client_app__bitrate_kbps=4000)
    streams = []
    for _ in range(count):
        session = make_session(room=make_room(client_app=room.client_app), start=now - timedelta(minutes=5))
        RecordingSession.objects.filter(pk=session.pk).update(
            state=SessionState.RECORDING, stream_live_at=now - timedelta(minutes=5)
        )
        streams.append(RecordingSession.objects.get(pk=session.pk))
    return streams


def _anomaly_queries(monkeypatch: pytest.MonkeyPatch, sessions, low: set[str], now) -> tuple[int, list]:
    monkeypatch.setattr(
        rules,
        "current_push_rates",
        lambda: {s.car_user_id: 1_500_000 if s.car_user_id in low else 3_500_000 for s in sessions},
    )

    def samples(*, stream_name: str, now: object = None) -> list[PushSample]:
        at = timezone.now()
        return [
            PushSample(at - timedelta(seconds=s), "1920x1080", 30, 1_500_000, 0, "H264", "AAC", 0, 0, 0, 0, 0)
            for s in (5, 25, 45)
        ]

    monkeypatch.setattr(live, "push_samples", samples)
    rule = rule_of(RuleKind.STREAM_ANOMALY, threshold=50, threshold2=60)
    with CaptureQueriesContext(connection) as queries:
        findings = SPECS[RuleKind.STREAM_ANOMALY].condition(rule, now)
    return len(queries), findings


def test_healthy_recordings_cost_the_same_queries_however_many(monkeypatch: pytest.MonkeyPatch) -> None:
    now = timezone.now()
    few = _live_sessions(2, now)
    queries_few, findings = _anomaly_queries(monkeypatch, few, set(), now)
    assert findings == []
    many = few + _live_sessions(20, now)
    queries_many, findings = _anomaly_queries(monkeypatch, many, set(), now)
    assert findings == []
    assert queries_many == queries_few <= 3


def test_a_low_recording_is_named_with_its_room(monkeypatch: pytest.MonkeyPatch) -> None:
    now = timezone.now()
    sessions = _live_sessions(5, now)
    low = sessions[3]
    _queries, (finding,) = _anomaly_queries(monkeypatch, sessions, {low.car_user_id}, now)

    (item,) = finding.items
    assert item.key == f"bitrate:{low.car_user_id}"
    assert f"Recording #{low.pk} of {low.room.name}" in item.text
    assert "below 50 %" in item.text and "4000 kbps" in item.text
