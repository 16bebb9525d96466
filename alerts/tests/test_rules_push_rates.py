"""The low-bitrate rule asks CSS once for every online stream, and for a stream's history only when it is low."""

from __future__ import annotations

from datetime import timedelta

import pytest
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


def test_only_streams_low_right_now_have_their_samples_read(monkeypatch: pytest.MonkeyPatch) -> None:
    now = timezone.now()
    room = make_room(client_app__bitrate_kbps=4000)
    streams = []
    for _ in range(3):
        session = make_session(room=make_room(client_app=room.client_app), start=now - timedelta(minutes=5))
        RecordingSession.objects.filter(pk=session.pk).update(
            state=SessionState.RECORDING, stream_live_at=now - timedelta(minutes=5)
        )
        streams.append(RecordingSession.objects.get(pk=session.pk).car_user_id)
    # Two push at 3.5 Mbps now (above 50 % of 4 Mbps); the third at 1.5 Mbps, and has for the whole minute.
    monkeypatch.setattr(
        rules,
        "current_push_rates",
        lambda: {streams[0]: 3_500_000, streams[1]: 3_500_000, streams[2]: 1_500_000},
    )
    asked: list[str] = []

    def samples(*, stream_name: str, now: object = None) -> list[PushSample]:
        asked.append(stream_name)
        at = timezone.now()
        return [
            PushSample(at - timedelta(seconds=s), "1920x1080", 30, 1_500_000, 0, "H264", "AAC", 0, 0, 0, 0, 0)
            for s in (5, 25, 45)
        ]

    monkeypatch.setattr(live, "push_samples", samples)
    (finding,) = SPECS[RuleKind.STREAM_ANOMALY].condition(
        rule_of(RuleKind.STREAM_ANOMALY, threshold=50, threshold2=60), now
    )

    assert asked == [streams[2]]  # one history read, not one per recording
    assert [item.key for item in finding.items] == [f"bitrate:{streams[2]}"]


def test_without_the_online_figures_every_stream_is_looked_at_on_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = timezone.now()
    session = make_session(room=make_room(client_app__bitrate_kbps=4000), start=now - timedelta(minutes=5))
    RecordingSession.objects.filter(pk=session.pk).update(
        state=SessionState.RECORDING, stream_live_at=now - timedelta(minutes=5)
    )
    monkeypatch.setattr(rules, "current_push_rates", dict)
    asked: list[str] = []

    def samples(*, stream_name: str, now: object = None) -> list[PushSample]:
        asked.append(stream_name)
        return []

    monkeypatch.setattr(live, "push_samples", samples)
    SPECS[RuleKind.STREAM_ANOMALY].condition(
        rule_of(RuleKind.STREAM_ANOMALY, threshold=50, threshold2=60), now
    )
    assert len(asked) == 1
