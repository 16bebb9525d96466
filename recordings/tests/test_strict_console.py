"""How the console copes with the strict emulator's late files, and the client app form's warning about
ApplicationParameters that CAR ignores."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from emulator.testing import RunningEmulator, running_emulator
from recordings.catalog.forms import ClientAppForm
from recordings.catalog.tests.factories import RoomFactory
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.services.orchestrator import session_advance
from recordings.sessions.services.sessions import session_start_now, session_stop
from recordings.sessions.tests.orchestration_support import drive

S = SessionState
FILE_DELAY = 2.0  # "minutes late", time-scaled


@pytest.fixture
def late_files(settings: Any) -> Iterator[RunningEmulator]:
    with running_emulator(
        file_delay_seconds=FILE_DELAY,
        record_activation_seconds=0.3,
        car_processing_seconds=0.2,
        car_allow_private_user_ip=True,  # the console's tests send CAR_USER_IP=127.0.0.1
        callback_retry_seconds=0.2,
        segment_seconds=1,
        callback_url="http://127.0.0.1:9/callbacks/css/",
    ) as emu:
        emu.apply_settings(settings)
        settings.CAR_PROJECT_ID = "cap-test0001"
        settings.TENCENT_RETRY_BASE_SECONDS = 0.01
        yield emu


@pytest.mark.django_db
def test_finalizing_waits_for_files_that_arrive_late(late_files: RunningEmulator, operator: User) -> None:
    room = RoomFactory.create(entry_parameters="--room=lobby")
    session, _ = session_start_now(room=room, actor=operator, duration_minutes=30)
    clock = drive(session, until={S.RECORDING})
    time.sleep(2)  # some real segments
    clock += timedelta(seconds=3)
    session_stop(session=session, actor=operator, now=clock)
    clock = drive(session, until={S.FINALIZING, S.COMPLETED, S.FAILED}, now=clock)
    assert session.state == S.FINALIZING

    # The files are not in VOD yet: neither complete nor failed, however often it looks before the bound.
    for minutes in (0, 1, 10, 29):
        outcome = session_advance(session_id=session.pk, now=clock + timedelta(minutes=minutes))
        assert outcome.state == S.FINALIZING
    session.refresh_from_db()
    assert session.files_found == 0

    assert late_files.app.css.wait_idle(30)  # the files arrive, late
    outcome = session_advance(session_id=session.pk, now=clock + timedelta(minutes=29, seconds=30))
    session.refresh_from_db()
    assert outcome.state == S.COMPLETED and session.files_found >= 1


def test_client_app_form_warns_that_prelaunch_ignores_application_parameters() -> None:
    help_text = str(ClientAppForm().fields["launch_parameters"].help_text)
    assert "Becomes CAR ApplicationParameters" in help_text
    assert "ignores them for a single-app exclusive project with pre-launch on" in help_text
