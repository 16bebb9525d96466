"""The demo's printed guidance is in the terminal's language (issue #18): LANG=zh_CN.UTF-8 gives Chinese,
anything the console does not have gives LANGUAGE_CODE."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from dashboard.demo_mode import terminal_language


@pytest.mark.parametrize(
    ("env", "language"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh-hans"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_terminal_language(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], language: str) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert terminal_language() == language


@pytest.mark.django_db
def test_seed_demo_prints_its_logins_in_the_terminals_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert "演示用户：" in printed
    assert "操作员" in printed and "operator / operator-demo-pass" in printed
    assert "管理员" in printed and "admin / admin-demo-pass" in printed
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "Demo users:" in again.getvalue() and "(existing; password unchanged)" in again.getvalue()
