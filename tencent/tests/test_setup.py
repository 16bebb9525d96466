"""The setup doctor (`manage.py tencent_setup`) against the emulator: a bare account is provisioned by --apply and
then passes; a mismatched push key, a missing callback rule and a wrong record template are FAIL lines, exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dashboard.models import AuditEntry
from emulator.testing import RunningEmulator, running_emulator
from tencent.models import ApiCall

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("tencent_setup", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def line(text: str, name: str) -> str:
    [found] = [row for row in text.splitlines() if f"  {name}: " in row]
    return found


@pytest.fixture
def bare(settings: Any, fast_retries: Any) -> Iterator[RunningEmulator]:
    """An emulator as a new account is: domains and keys, but no record or callback template."""
    with running_emulator(EMULATOR_PROVISIONED="0", EMULATOR_CALLBACK_URL="http://127.0.0.1:9/x") as running:
        running.apply_settings(settings)
        yield running


def test_apply_provisions_a_bare_account_which_then_passes(bare: RunningEmulator) -> None:
    status, text = run()
    assert status == 1
    assert line(text, "record template").startswith("FAIL")
    assert line(text, "callback template and rule").startswith("FAIL")
    assert line(text, "push auth key").startswith("ok")
    assert line(text, "VOD event queue").startswith("FAIL")

    status, text = run("--apply")
    assert status == 0, text
    assert "(created template 1)" in line(text, "record template")
    assert "created template 1, rule push.emulator.local → 1" in line(text, "callback template and rule")
    assert (
        line(text, "VOD event queue")
        == "ok    VOD event queue: PULL mode with FileDeleted (created PULL queue)"
    )
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "tencent.setup.record_template.create",
        "tencent.setup.callback_template.create",
        "tencent.setup.callback_rule.create",
        "tencent.setup.vod_events.enable",
    }
    creates = ApiCall.objects.filter(action__startswith="Create").values_list("action", flat=True)
    assert sorted(creates) == [
        "CreateLiveCallbackRule",
        "CreateLiveCallbackTemplate",
        "CreateLiveRecordTemplate",
    ]

    status, text = run()
    assert status == 0, text
    assert all(row.startswith("ok") for row in text.splitlines()[1:-1]), text
    # The template records what the console expects, and a second --apply creates nothing.
    template = bare.state.record_templates[1]
    assert (template["Mp4Param"]["Enable"], template["HlsParam"]["Enable"], template["CosStore"]) == (1, 1, 0)
    assert bare.state.callback_templates[1]["RecordNotifyUrl"] == "http://127.0.0.1:8000/callbacks/css/"
    assert run("--apply")[0] == 0
    assert len(bare.state.record_templates) == len(bare.state.callback_templates) == 1


def test_mismatched_push_key_fails(bare: RunningEmulator, settings: Any) -> None:
    assert run("--apply")[0] == 0
    settings.CSS_PUSH_KEY = "not-the-domains-key"
    status, text = run()
    assert status == 1
    assert line(text, "push auth key").startswith("FAIL")
    assert "CSS_PUSH_KEY" in line(text, "push auth key")
    assert line(text, "play auth key").startswith("ok")


def test_missing_callback_rule_fails_and_apply_only_adds_the_rule(bare: RunningEmulator) -> None:
    assert run("--apply")[0] == 0
    bare.state.callback_rules.clear()
    status, text = run()
    assert status == 1
    assert "no callback rule binds push.emulator.local" in line(text, "callback template and rule")
    status, text = run("--apply")
    assert status == 0
    assert "(created rule push.emulator.local → 1)" in line(text, "callback template and rule")
    assert len(bare.state.callback_templates) == 1  # the good template is reused


def test_callback_template_pointing_elsewhere_fails(bare: RunningEmulator, settings: Any) -> None:
    assert run("--apply")[0] == 0
    settings.CONSOLE_BASE_URL = "https://console.example.com"
    status, text = run("--apply")  # without --force nothing that exists is changed
    assert status == 1
    assert "RecordNotifyUrl is http://127.0.0.1:8000/callbacks/css/" in line(
        text, "callback template and rule"
    )
    assert len(bare.state.callback_rules) == 1 and len(bare.state.callback_templates) == 1
    status, text = run("--apply", "--force")
    assert status == 0, text
    assert bare.state.callback_rules[0]["TemplateId"] == 2
    assert bare.state.callback_templates[2]["RecordNotifyUrl"] == "https://console.example.com/callbacks/css/"


def test_wrong_record_template_fails(bare: RunningEmulator, settings: Any) -> None:
    assert run("--apply")[0] == 0
    bare.state.record_templates[1]["HlsParam"]["Enable"] = 0
    status, text = run("--apply")
    assert status == 1
    assert "1 does not record hls" in line(text, "record template")
    assert bare.state.record_templates[1]["HlsParam"]["Enable"] == 0  # left alone without --force

    settings.CSS_RECORD_STORAGE = "cos"
    status, text = run()
    assert "records into VOD, not COS" in line(text, "record template")
    status, text = run("--apply", "--force")
    assert status == 1  # a new template exists, but the console still names the old one
    assert "set CSS_RECORD_TEMPLATE_ID=2 (now 1) (created template 2)" in line(text, "record template")
    settings.CSS_RECORD_TEMPLATE_ID = 2
    assert run()[0] == 0
    assert bare.state.record_templates[2]["Mp4Param"]["CosBucketPath"] == "/record/{StreamID}/"


def test_template_into_an_unknown_vod_sub_application_fails(bare: RunningEmulator, settings: Any) -> None:
    assert run("--apply")[0] == 0
    settings.VOD_SUBAPP_ID = 1500000001
    status, text = run()
    assert status == 1
    assert "1500000001 does not exist" in line(text, "VOD sub-application")
    assert "not VOD_SUBAPP_ID=1500000001" in line(text, "record template")


def test_wrong_credentials_fail_every_service(bare: RunningEmulator, settings: Any) -> None:
    settings.TENCENT_SECRET_KEY = "wrong"
    status, text = run()
    assert status == 1
    for name in ("CAR credentials and concurrency", "CSS credentials", "VOD sub-application", "COS bucket"):
        assert line(text, name).startswith("FAIL"), text


def test_real_account_settings_are_lines_of_the_doctor(settings: Any, fake: Any) -> None:
    settings.TENCENT_API_ENDPOINT = ""  # a real account (the calls still reach the fake)
    from tencent import setup

    settings.CSS_RECORD_TEMPLATE_ID = 0
    settings.CAR_USER_IP = "127.0.0.1"
    assert "CSS_RECORD_TEMPLATE_ID" in setup.template_id_problem()
    assert "not a public address" in setup.user_ip_problem()
    settings.CSS_RECORD_TEMPLATE_ID = 5
    settings.CAR_USER_IP = "203.0.113.9"  # documentation range: not global either
    assert setup.template_id_problem() == ""
    assert "not a public address" in setup.user_ip_problem()
    settings.CAR_USER_IP = "43.156.1.2"
    assert setup.user_ip_problem() == ""


def test_system_checks_refuse_emulator_defaults_on_a_real_account(settings: Any) -> None:
    from django.core.checks import run_checks

    def ids() -> set[str]:
        return {message.id for message in run_checks(tags=["tencent"]) if message.id}

    assert ids() == set()  # the emulator: its defaults are right there
    settings.TENCENT_API_ENDPOINT = ""
    settings.CSS_RECORD_TEMPLATE_ID = 0
    settings.CAR_USER_IP = ""
    assert ids() == {"tencent.E001", "tencent.E002"}
    settings.CSS_RECORD_TEMPLATE_ID = 3
    settings.CAR_USER_IP = "43.156.1.2"
    assert ids() == set()
    settings.CSS_PUSH_DOMAIN = ""  # a demo domain never stands in for the account's own
    assert ids() == {"tencent.E003"}
    settings.CSS_PUSH_DOMAIN = "push.example.com"
    settings.CSS_RECORD_STORAGE, settings.COS_BUCKET = "cos", ""
    assert ids() == {"tencent.E003"}


def test_real_account_defaults_leave_the_emulator_values_out(tmp_path: Any) -> None:
    import subprocess
    import sys

    code = (
        "from django.conf import settings as s; print(s.CSS_RECORD_TEMPLATE_ID, repr(s.CAR_USER_IP), "
        "*(repr(getattr(s, n)) for n in "
        "('TENCENT_APPID', 'CSS_PUSH_DOMAIN', 'CSS_PLAY_DOMAIN', 'COS_BUCKET', 'CAR_PROJECT_ID')))"
    )
    env = {
        "TENCENT_SECRET_ID": "AKIDreal",
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "PATH": "/usr/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
    )
    assert result.stdout.split() == ["0", "''", "''", "''", "''", "''", "''"]
