"""Twenty recordings under the emulator's chaos profile (CAR answering SlowDown / Initialization /
ProcessTimeout to a share of its calls): every one completes, no concurrency leaks, no file is lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from emulator.testing import RunningEmulator, running_emulator
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import RecordingSession
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.services.reconcile import reconcile
from recordings.sessions.services.sessions import session_start_now, session_stop
from recordings.sessions.tests.orchestration_support import drive
from tencent import vod

S = SessionState
pytestmark = [pytest.mark.django_db, pytest.mark.long]
RECORDINGS = 20
BATCH = 5  # pushes running at once: real ffmpeg encoders on a small machine


@pytest.fixture
def chaos_emulator(settings: Any) -> Iterator[RunningEmulator]:
    with running_emulator(
        EMULATOR_PROFILE="chaos",
        EMULATOR_CHAOS_RATE="0.2",
        # Strict, time-scaled (see conftest.py's `emulator`); the console sends CAR_USER_IP=127.0.0.1.
        file_delay_seconds=0.3,
        record_activation_seconds=0.3,
        car_processing_seconds=0.2,
        car_allow_private_user_ip=True,
        callback_retry_seconds=0.2,
        segment_seconds=1,
        car_concurrency=BATCH,
        callback_url="http://127.0.0.1:9/callbacks/css/",
    ) as emu:
        emu.apply_settings(settings)
        settings.CAR_PROJECT_ID = "cap-test0001"
        settings.TENCENT_RETRY_BASE_SECONDS = 0.01
        yield emu


def test_twenty_recordings_complete_under_chaos(chaos_emulator: RunningEmulator, operator: User) -> None:
    sessions: list[RecordingSession] = []
    for first in range(0, RECORDINGS, BATCH):
        batch = [session_start_now(room=RoomFactory.create(), actor=operator)[0] for _ in range(BATCH)]
        clocks = [drive(session, until={S.RECORDING, S.FAILED}, real_pause=0.01) for session in batch]
        assert [s.state for s in batch] == [S.RECORDING] * BATCH, [s.failure_reason for s in batch]
        time.sleep(1.5)  # at least a segment of each push is recorded
        for session, clock in zip(batch, clocks, strict=True):
            session_stop(session=RecordingSession.objects.get(pk=session.pk), actor=operator)
            drive(session, until={S.COMPLETED, S.FAILED}, now=clock, real_pause=0.01)
            assert session.state == S.COMPLETED, session.failure_reason or session.last_error
        assert chaos_emulator.state.concurrencies == {}, f"leaked after batch {first // BATCH + 1}"
        sessions.extend(batch)
    transient = {
        "FailedOperation.SlowDown",
        "ResourceUnavailable.Initialization",
        "FailedOperation.ProcessTimeout",
    }
    assert sum(c.code in transient for c in chaos_emulator.calls()) >= 5  # the chaos really happened
    reconcile(now=sessions[-1].updated_at)
    assert chaos_emulator.state.concurrencies == {}
    for session in sessions:  # every recording's files are in VOD
        assert vod.search_media(stream_ids=[session.car_user_id]).total >= 1, session
    assert RecordingSession.objects.filter(state=S.COMPLETED).count() == RECORDINGS
