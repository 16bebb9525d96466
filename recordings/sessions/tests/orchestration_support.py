"""Helpers for orchestration tests: an emulator wired into settings, and driving a session with a test clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from emulator.testing import RunningEmulator, running_emulator
from recordings.models import RecordingSession
from recordings.sessions.services.orchestrator import session_advance


@pytest.fixture
def orch_emulator(settings: Any) -> Iterator[RunningEmulator]:
    """An emulator that delivers files soon; callbacks go nowhere (tests drive the hooks themselves)."""
    with running_emulator(
        # Strict, time-scaled (see conftest.py's `emulator`); the console sends CAR_USER_IP=127.0.0.1.
        file_delay_seconds=0.3,
        record_activation_seconds=0.3,
        car_processing_seconds=0.2,
        car_allow_private_user_ip=True,
        callback_retry_seconds=0.2,
        segment_seconds=1,
        callback_url="http://127.0.0.1:9/callbacks/css/",
    ) as emu:
        emu.apply_settings(settings)
        settings.CAR_PROJECT_ID = "cap-test0001"
        settings.TENCENT_RETRY_BASE_SECONDS = 0.01
        yield emu


def drive(
    session: RecordingSession,
    *,
    until: set[str],
    now: datetime | None = None,
    max_passes: int = 200,
    real_pause: float = 0.05,
) -> datetime:
    """Advance the session until it reaches one of `until`, jumping the test clock to each asked-for retry time
    (only a short real pause, so the emulator's own clock can move too). Returns the test clock."""
    clock = now or timezone.now()
    for _ in range(max_passes):
        outcome = session_advance(session_id=session.pk, now=clock)
        if outcome.state in until:
            session.refresh_from_db()
            return clock
        clock = max(clock + timedelta(milliseconds=1), outcome.retry_at or clock + timedelta(seconds=1))
        time.sleep(real_pause)
    session.refresh_from_db()
    raise AssertionError(
        f"{session} stuck in {session.state}: {session.last_error or session.failure_reason}"
    )
