from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tencent.tests.fake_tencent import FakeTencent, fake_tencent


@pytest.fixture
def fast_retries(settings: Any) -> Any:
    settings.TENCENT_RETRY_ATTEMPTS = 3
    settings.TENCENT_RETRY_BASE_SECONDS = 0.001
    return settings


@pytest.fixture
def fake(fast_retries: Any) -> Iterator[FakeTencent]:
    """Every Tencent API service pointed at a scripted local server."""
    with fake_tencent() as server:
        fast_retries.TENCENT_API_ENDPOINT = server.endpoint
        fast_retries.TENCENT_API_SCHEME = "http"
        yield server


@pytest.fixture
def emu(emulator: Any, fast_retries: Any) -> Any:
    """The root conftest's emulator (settings pointed at it), with the gateway's retries made fast."""
    return emulator
