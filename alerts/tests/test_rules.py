"""Each rule's condition, true and false, from database fixtures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from alerts.models import RuleKind
from alerts.rules import SPECS
from alerts.tests.support import failed_session, rule_of
from billing.models import Budget
from billing.services import budget_status
from recordings.media.services import live
from recordings.models import Attention, AttentionKind, CssCallbackEvent, PushAnomaly, RecordingSession
from recordings.review.tests.support import make_file, make_room, make_session
from recordings.sessions.lifecycle import SessionState
from tencent.models import ApiCall
from tencent.results import PushSample

pytestmark = pytest.mark.django_db


def holds(kind: RuleKind, now=None, **thresholds) -> list:
    rule = rule_of(kind, **thresholds)
    return SPECS[kind].condition(rule, now or timezone.now())


def set_session(session: RecordingSession, **fields) -> RecordingSession:
    RecordingSession.objects.filter(pk=session.pk).update(**fields)
    session.refresh_from_db()
    return session


def test_recording_failed_within_the_look_back_only():
    now = timezone.now()
    failed_session(make_room(), at=now - timedelta(minutes=20))
    assert holds(RuleKind.RECORDING_FAILED, now, threshold=15) == []
    recent = failed_session(make_room(), at=now - timedelta(minutes=2))
    (finding,) = holds(RuleKind.RECORDING_FAILED, now, threshold=15)
    assert [item.key for item in finding.items] == [f"session:{recent.pk}"]


def test_late_start_while_waiting_and_after_going_live_late():
    now = timezone.now()
    room = make_room()
    waiting = set_session(make_session(room, start=now - timedelta(seconds=30)), state=SessionState.STARTING)
    assert holds(RuleKind.LATE_START, now, threshold=60) == []
    set_session(waiting, planned_start=now - timedelta(seconds=90))
    (finding,) = holds(RuleKind.LATE_START, now, threshold=60)
    assert "not live 90 s after" in finding.items[0].text
    set_session(waiting, state=SessionState.RECORDING, stream_live_at=now - timedelta(seconds=5))
    (finding,) = holds(RuleKind.LATE_START, now, threshold=60)
    assert "went live 85 s after" in finding.items[0].text
    set_session(waiting, stream_live_at=now - timedelta(seconds=85))  # on time
    assert holds(RuleKind.LATE_START, now, threshold=60) == []


def _anomaly(stream: str, at, anomaly_type: int) -> None:
    event = CssCallbackEvent.objects.create(
        event_type=321, stream_name=stream, dedupe_key=f"{stream}{at}{anomaly_type}", raw_body="{}"
    )
    PushAnomaly.objects.create(event=event, stream_name=stream, occurred_at=at, anomaly_type=anomaly_type)


def test_stream_anomaly_from_321_and_341_callbacks_in_the_last_five_minutes(monkeypatch):
    monkeypatch.setattr(live, "push_samples", lambda **kw: [])
    now = timezone.now()
    _anomaly("stream-a", now - timedelta(minutes=10), 3)
    assert holds(RuleKind.STREAM_ANOMALY, now) == []
    _anomaly("stream-a", now - timedelta(minutes=1), 3)
    _anomaly("stream-a", now - timedelta(minutes=1), -1)  # 341's types are negative
    (finding,) = holds(RuleKind.STREAM_ANOMALY, now)
    assert finding.items[0].key == "anomaly:stream-a"
    assert "Video timestamp jumped" in finding.items[0].text


def _sample(at, video_bps: int) -> PushSample:
    return PushSample(at, "1920x1080", 30, video_bps, 0, "H264", "AAC", 0, 0, 0, 0, 0)


def test_stream_anomaly_when_the_bitrate_stays_below_the_target_share(monkeypatch):
    now = timezone.now()
    room = make_room(client_app__bitrate_kbps=4000)
    set_session(
        make_session(room, start=now - timedelta(minutes=5)),
        state=SessionState.RECORDING,
        stream_live_at=now - timedelta(minutes=5),
    )
    rates = {"values": [1_500_000, 1_500_000, 2_500_000]}  # one sample at 62 % of 4000 kbps
    monkeypatch.setattr(
        live,
        "push_samples",
        lambda **kw: [_sample(now - timedelta(seconds=5 + 10 * i), r) for i, r in enumerate(rates["values"])],
    )
    assert holds(RuleKind.STREAM_ANOMALY, now, threshold=50, threshold2=60) == []
    rates["values"] = [1_500_000, 1_800_000, 1_900_000]
    (finding,) = holds(RuleKind.STREAM_ANOMALY, now, threshold=50, threshold2=60)
    assert finding.items[0].key.startswith("bitrate:") and "below 50 %" in finding.items[0].text


def test_no_files_after_the_stop_until_a_file_arrives():
    now = timezone.now()
    session = set_session(
        make_session(make_room(), start=now - timedelta(hours=1)),
        stream_live_at=now - timedelta(hours=1),
        ended_at=now - timedelta(minutes=5),
    )
    assert holds(RuleKind.NO_FILES, now, threshold=10) == []
    set_session(session, ended_at=now - timedelta(minutes=12))
    (finding,) = holds(RuleKind.NO_FILES, now, threshold=10)
    assert finding.items[0].key == f"session:{session.pk}"
    make_file(session=session)
    assert holds(RuleKind.NO_FILES, now, threshold=10) == []


def test_budget_warning_and_exceeded_levels():
    now = timezone.now()
    room = make_room()
    set_session(
        make_session(room, start=now - timedelta(minutes=1)),
        concurrency_applied_at=now - timedelta(minutes=1),
        ended_at=now,
    )
    spent = budget_status(app=room.client_app, month=timezone.localdate()).spent
    assert spent > 0
    budget = Budget.objects.create(app=room.client_app, amount_usd=(spent * 100).quantize(Decimal("0.01")))
    assert holds(RuleKind.BUDGET_WARNING, now) == [] and holds(RuleKind.BUDGET_EXCEEDED, now) == []
    Budget.objects.filter(pk=budget.pk).update(amount_usd=(spent * Decimal("1.1")).quantize(Decimal("0.01")))
    (warning,) = holds(RuleKind.BUDGET_WARNING, now)
    assert warning.dedupe_key == f"budget_warning:app:{room.client_app.pk}"
    assert holds(RuleKind.BUDGET_EXCEEDED, now) == []
    Budget.objects.filter(pk=budget.pk).update(
        amount_usd=max((spent / 2).quantize(Decimal("0.01")), Decimal("0.01"))
    )
    (exceeded,) = holds(RuleKind.BUDGET_EXCEEDED, now)
    assert "reached its limit" in exceeded.title


def test_reconciliation_repairs_of_leaked_or_stuck_sessions_only():
    now = timezone.now()
    Attention.objects.create(kind=AttentionKind.NO_FILE, message="no file", at=now)
    assert holds(RuleKind.RECONCILIATION, now, threshold=30) == []
    Attention.objects.create(
        kind=AttentionKind.LEAKED_SESSION, message="leaked", at=now - timedelta(minutes=40)
    )
    assert holds(RuleKind.RECONCILIATION, now, threshold=30) == []
    Attention.objects.create(
        kind=AttentionKind.STUCK_STARTING, message="stuck", at=now - timedelta(minutes=1)
    )
    (finding,) = holds(RuleKind.RECONCILIATION, now, threshold=30)
    assert "stuck" in finding.items[0].text


def test_review_queue_oldest_item_older_than_n_hours():
    now = timezone.now()
    make_file(discovered_at=now - timedelta(hours=3))
    assert holds(RuleKind.REVIEW_QUEUE, now, threshold=4) == []
    (finding,) = holds(RuleKind.REVIEW_QUEUE, now, threshold=2)
    assert "waited 3 h" in finding.items[0].text


def _calls(now, ok: int, errors: int) -> None:
    ApiCall.objects.bulk_create(
        [ApiCall(service="car", action="CreateSession", outcome="ok", started_at=now) for _ in range(ok)]
        + [
            ApiCall(
                service="car",
                action="CreateSession",
                outcome="error",
                error_code="InternalError",
                started_at=now,
            )
            for _ in range(errors)
        ]
    )


def test_tencent_error_rate_over_five_minutes_with_a_minimum_of_calls():
    now = timezone.now()
    _calls(now - timedelta(minutes=10), ok=0, errors=50)  # too old to count
    _calls(now - timedelta(minutes=1), ok=9, errors=1)
    assert holds(RuleKind.TENCENT_ERRORS, now, threshold=20, threshold2=10) == []
    _calls(now - timedelta(minutes=1), ok=0, errors=4)  # 5 of 14 = 36 %
    (finding,) = holds(RuleKind.TENCENT_ERRORS, now, threshold=20, threshold2=10)
    assert "5 of 14" in finding.items[0].text and "InternalError x5" in finding.items[0].text
    assert holds(RuleKind.TENCENT_ERRORS, now, threshold=20, threshold2=20) == []
