import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64 + "production-secret-key-for-the-check-only",
        "ALLOWED_HOSTS": "console.example.com",
        "CNR_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DEBUG": "0", "CNR_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _settings_value(env_changes: dict[str, str], expression: str, tmp_path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENT_", "CSS_", "VOD_", "COS_"))}
    env.update({"CNR_VAR_DIR": str(tmp_path), **env_changes})
    code = f"from django.conf import settings; print(repr({expression}))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_nothing_set_means_the_local_emulator(tmp_path):
    value = _settings_value(
        {}, "(settings.TENCENT_API_ENDPOINT, settings.COS_ENDPOINT, bool(settings.CSS_PLAY_KEY))", tmp_path
    )
    assert value == "('127.0.0.1:8765', '127.0.0.1:8765', True)"


def test_a_real_secret_id_switches_every_default_to_real_tencent_cloud(tmp_path):
    value = _settings_value(
        {"TENCENT_SECRET_ID": "AKIDreal", "TENCENT_SECRET_KEY": "k"},
        "(settings.TENCENT_API_ENDPOINT, settings.TENCENT_API_SCHEME, settings.COS_ENDPOINT, settings.CSS_PLAY_BASE_URL,"
        " settings.CSS_PLAY_KEY, settings.VOD_PLAY_KEY, settings.CSS_CALLBACK_KEY)",
        tmp_path,
    )
    assert value == "('', 'https', '', '', '', '', '')"


def test_blank_variables_mean_their_defaults(tmp_path):
    value = _settings_value(
        {"REDIS_URL": "", "ALLOWED_HOSTS": "", "TENCENT_SECRET_ID": ""},
        "(settings.REDIS_URL, settings.ALLOWED_HOSTS, settings.TENCENT_API_ENDPOINT)",
        tmp_path,
    )
    assert value == "('redis://127.0.0.1:6379/0', ['127.0.0.1', 'localhost', '[::1]'], '127.0.0.1:8765')"


def test_env_example_lists_every_variable_the_settings_read():
    import re

    settings_source = (ROOT / "dashboard" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|int|bool|list)\(\s*"([A-Z0-9_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', settings_source))
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read and read <= listed, sorted(read - listed)
