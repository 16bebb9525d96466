"""Demo only: the session's history says why the emulator pushes its test picture instead of the WEB app's page
(or the page without its sound) — read from the emulator's admin state, see `recordings/emulator_bridge.py`."""

from __future__ import annotations

from datetime import datetime

from recordings.emulator_bridge import own_emulator_url, rendered_picture, rendering_note
from recordings.models import ClientAppKind, RecordingSession
from recordings.sessions.lifecycle import Step
from recordings.sessions.services.session_steps import note_step


def note_rendering(session: RecordingSession, now: datetime) -> None:
    if own_emulator_url() is None or session.room.client_app.kind != ClientAppKind.WEB:
        return
    note = rendering_note(rendered_picture(stream_name=session.car_user_id) or "")
    if note:
        note_step(session, Step.PUSH, now=now, reason=note)
