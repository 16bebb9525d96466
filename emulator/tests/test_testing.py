"""RunningEmulator points the console at itself: apply_settings() on a settings object (this process) and
environment() for a console process started beside it (a worker, gunicorn)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from emulator.testing import RunningEmulator

pytestmark = pytest.mark.emulator

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "dashboard" / "settings.py"


def setting_values() -> dict[str, object]:
    return {name: getattr(django_settings, name) for name in dir(django_settings) if name.isupper()}


def test_apply_settings_sets_exactly_the_overrides_and_the_fixture_restores_them(
    emu: RunningEmulator, settings: Any
) -> None:
    # A wrapper of the fixture's own, made as the fixture makes it: finalizing the test's `settings` here would
    # also undo what autouse fixtures set through it before this test.
    wrapper = type(settings)(_is_pytest_django=True)
    overrides = emu.settings_overrides()
    # Some test settings already equal the emulator's (its demo keys): a sentinel shows each one being set.
    for name in overrides:
        setattr(settings, name, "unset")
    before = setting_values()

    emu.apply_settings(wrapper)

    after = setting_values()
    assert {name: after[name] for name in overrides} == overrides
    assert {name: value for name, value in after.items() if name not in overrides} == {
        name: value for name, value in before.items() if name not in overrides
    }
    # What the fixture does after each test: every setting is back as it was.
    wrapper._finalize()
    assert setting_values() == before


def test_environment_gives_a_console_process_the_same_settings(
    emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = emu.environment()
    assert environment.keys() == emu.settings_overrides().keys()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # dashboard/settings.py evaluated afresh, as a worker started with this environment would.
    spec = importlib.util.spec_from_file_location("emulator_environment_settings", SETTINGS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert {name: getattr(module, name) for name in environment} == emu.settings_overrides()
