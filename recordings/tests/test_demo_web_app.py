"""The demo seed tells the emulator's CAR console about its client apps: the WEB one opens the sample live room."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from recordings import demo


def test_the_seed_registers_the_web_app_at_the_sample_live_room(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "car_applications.json"
    monkeypatch.setenv("EMULATOR_CAR_APPLICATIONS", str(registry))
    with override_settings(TENCENT_API_ENDPOINT=f"127.0.0.1:{settings.EMULATOR_PORT}"):
        demo.seed()
    apps = json.loads(registry.read_text())
    [web] = [app for app in apps if app["kind"] == "WEB"]
    assert web["url"] == f"http://127.0.0.1:{settings.EMULATOR_PORT}/_emulator/apps/live-room/"
    assert (web["application_id"], web["resolution"], web["frame_rate"]) == ("", "1280x720", 30)
    assert sorted(app["kind"] for app in apps) == ["APK", "EXE", "WEB"]


def test_against_another_endpoint_the_seed_leaves_the_registry_alone(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "car_applications.json"
    monkeypatch.setenv("EMULATOR_CAR_APPLICATIONS", str(registry))
    with override_settings(TENCENT_API_ENDPOINT="car.tencentcloudapi.com"):
        demo.seed()
    assert not registry.exists()
