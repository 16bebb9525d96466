"""The emulator's defaults must equal the console's demo defaults, or `make demo` would not talk to it."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

from emulator.config import EmulatorConfig, parse_credentials

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "dashboard" / "settings.py"


def demo_settings(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A fresh copy of dashboard/settings.py evaluated with none of the Tencent variables set."""
    prefixes = ("TENCENT_", "CSS_", "VOD_", "COS_", "CAR_", "EMULATOR_", "CONSOLE_")
    for name in list(os.environ):
        if name.startswith(prefixes):
            monkeypatch.delenv(name)
    spec = importlib.util.spec_from_file_location("demo_settings_copy", SETTINGS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults_match_the_console_demo_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = demo_settings(monkeypatch)
    config = EmulatorConfig.from_env({})
    assert config.port == settings.EMULATOR_PORT
    assert config.credentials == {settings.TENCENT_SECRET_ID: settings.TENCENT_SECRET_KEY}
    assert config.appid == settings.TENCENT_APPID
    assert config.css_push_domain == settings.CSS_PUSH_DOMAIN
    assert config.css_play_domain == settings.CSS_PLAY_DOMAIN
    assert config.css_push_key == settings.CSS_PUSH_KEY
    assert config.css_play_key == settings.CSS_PLAY_KEY
    assert config.css_callback_key == settings.CSS_CALLBACK_KEY
    assert config.callback_url == f"{settings.CONSOLE_BASE_URL}/callbacks/css/"
    assert config.vod_play_key == settings.VOD_PLAY_KEY
    assert config.vod_subapp_id == settings.VOD_SUBAPP_ID
    assert config.cos_bucket == settings.COS_BUCKET
    assert config.cos_region == settings.COS_REGION
    assert f"{config.host}:{config.port}" == settings.TENCENT_API_ENDPOINT
    assert config.base_url == settings.CSS_PLAY_BASE_URL


def test_environment_overrides() -> None:
    config = EmulatorConfig.from_env(
        {
            "EMULATOR_PORT": "9000",
            "EMULATOR_CREDENTIALS": "AKIDa:ka, AKIDb:kb",
            "EMULATOR_VIDEO_SIZE": "320x180",
            "EMULATOR_FILE_DELAY_SECONDS": "0",
            "EMULATOR_SNAPSHOT": "/tmp/snapshot.json",
            "EMULATOR_ENFORCE_RATE_LIMITS": "0",
            "EMULATOR_VOD_PLAY_KEY": "",
        }
    )
    assert config.port == 9000
    assert config.credentials == {"AKIDa": "ka", "AKIDb": "kb"}
    assert (config.video_width, config.video_height) == (320, 180)
    assert config.file_delay_seconds == 0
    assert config.snapshot == Path("/tmp/snapshot.json")
    assert config.enforce_rate_limits is False
    assert config.vod_play_key == ""  # empty switches VOD hotlink protection off


def test_malformed_credentials_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_credentials("no-colon-here")


def test_console_address_and_var_dir_are_fallbacks() -> None:
    config = EmulatorConfig.from_env(
        {"CONSOLE_BASE_URL": "http://127.0.0.1:8123/", "CNR_VAR_DIR": "/srv/var"}
    )
    assert config.callback_url == "http://127.0.0.1:8123/callbacks/css/"
    assert config.data_dir == Path("/srv/var/emulator")
    explicit = EmulatorConfig.from_env(
        {"CONSOLE_BASE_URL": "http://x", "EMULATOR_CALLBACK_URL": "http://y/cb"}
    )
    assert explicit.callback_url == "http://y/cb"
