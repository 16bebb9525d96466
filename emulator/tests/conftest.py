"""Fixtures of the emulator's own contract tests: one emulator per module (reset before each test) and the
unmodified Tencent SDK clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.testing import RunningEmulator, running_emulator
from emulator.tests.sdk import Clients, make_clients


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[RunningEmulator]:
    with running_emulator(
        # Strict, time-scaled: the delays of Tencent's answers taking effect, in tenths of seconds.
        EMULATOR_FILE_DELAY_SECONDS=0,
        EMULATOR_RECORD_ACTIVATION_SECONDS=0.3,
        EMULATOR_CAR_PROCESSING_SECONDS=0.2,
        EMULATOR_CALLBACK_RETRY_SECONDS=0.2,
        EMULATOR_SEGMENT_SECONDS=1,
        EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused",
    ) as running:
        yield running


@pytest.fixture
def emu(module_emulator: RunningEmulator) -> RunningEmulator:
    module_emulator.app.reset()
    return module_emulator


@pytest.fixture
def clients(emu: RunningEmulator) -> Clients:
    return make_clients(emu)
