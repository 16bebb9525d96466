"""Fixtures of the callbacks / live / files tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group

from dashboard.access import Role
from emulator.testing import RunningEmulator, running_emulator
from recordings.media.tests.support import CALLBACK_URL


@pytest.fixture
def media_emulator(settings: Any, live_server: Any) -> Iterator[RunningEmulator]:
    """An emulator whose callbacks reach the console under test, with the console pointed at it."""
    with running_emulator(
        # Strict, time-scaled (see conftest.py's `emulator`); the console sends CAR_USER_IP=127.0.0.1.
        EMULATOR_FILE_DELAY_SECONDS=0.3,
        EMULATOR_RECORD_ACTIVATION_SECONDS=0.3,
        EMULATOR_CAR_PROCESSING_SECONDS=0.2,
        EMULATOR_CAR_ALLOW_PRIVATE_USER_IP=1,
        # A browser plays these pushes and files: the setup pushes H.264, as one whose players must work
        # everywhere would (an H.265 push gets the live page's warning instead).
        EMULATOR_PUSH_CODEC="h264",
        EMULATOR_CALLBACK_RETRY_SECONDS=0.2,
        EMULATOR_SEGMENT_SECONDS=1,
        EMULATOR_SAMPLE_SECONDS=1,
        EMULATOR_SCREENSHOT_SECONDS=2,
        EMULATOR_CALLBACK_URL=live_server.url + CALLBACK_URL,
    ) as emu:
        emu.apply_settings(settings)
        yield emu


@pytest.fixture
def role_groups(transactional_db: None) -> None:
    """The role groups come from a data migration, so a transactional test's flush removes them; and once
    Playwright runs, serialized rollback cannot restore them (the connection lives in another context)."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture(autouse=True)
def restore_role_groups_after_flush(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """Set up before (so torn down after) the database fixtures: a transactional test's final flush empties
    the role groups, and tests that run next in this worker need them."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional:
        with django_db_blocker.unblock():
            for role in Role:
                Group.objects.get_or_create(name=role.value)
