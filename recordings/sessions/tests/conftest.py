"""Fixtures shared by the recordings tests."""

from recordings.sessions.tests.orchestration_support import orch_emulator  # noqa: F401
