"""`make cloud-smoke` (scripts/cloud_smoke.py): skipped without credentials; its recording path, run against the
emulator, records, releases and cleans up."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cloud_smoke.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cloud_smoke", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_skipped_without_credentials() -> None:
    env = {key: value for key, value in os.environ.items() if key != "TENCENT_SECRET_ID"}
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "skipped" in result.stdout


@pytest.mark.django_db
@pytest.mark.emulator
def test_the_recording_path_against_the_emulator(emulator: Any, capsys: Any) -> None:
    call_command("tencent_setup", "--apply", stdout=open(os.devnull, "w"))  # noqa: SIM115
    load().smoke(seconds=3, file_timeout_s=120, poll_s=0.5)
    out = capsys.readouterr().out
    assert "… DeleteMedia" in out and "… DestroySession (concurrency released)" in out
    assert emulator.state.concurrencies == {} or all(
        not item.server_session for item in emulator.state.concurrencies.values()
    )
    assert emulator.state.media == {}  # cleaned up
