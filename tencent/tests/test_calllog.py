"""The call log outlives the caller's rolled-back transaction, and never breaks the call it records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, transaction

from tencent import car
from tencent.models import ApiCall
from tencent.tests.fake_tencent import FakeTencent, Reply


class WorkflowFailed(Exception):
    pass


@pytest.mark.django_db(transaction=True, databases=["default", "calllog"])
def test_calls_made_in_a_rolled_back_transaction_stay_logged(fake: FakeTencent) -> None:
    fake.answer("ApplyConcurrent", Reply())
    fake.answer("CreateSession", Reply(error=("FailedOperation.LockTimeout", "not applied")))

    with pytest.raises(WorkflowFailed), transaction.atomic():
        car.apply_concurrent(user_id="u1", user_ip="10.0.0.1", project_id="cap-1")
        assert ApiCall.objects.filter(action="ApplyConcurrent").exists()  # visible inside the transaction too
        try:
            car.create_session(user_id="u1", user_ip="10.0.0.1")
        except Exception as exc:
            raise WorkflowFailed from exc

    logged = list(ApiCall.objects.order_by("id").values_list("action", "outcome"))
    assert logged == [("ApplyConcurrent", "ok"), ("CreateSession", "error")]


@pytest.mark.django_db(transaction=True)
def test_calls_outside_transactions_are_written_at_once(fake: FakeTencent) -> None:
    fake.answer("DestroySession", Reply())
    car.destroy_session(user_id="u1")
    assert ApiCall.objects.get().action == "DestroySession"


@pytest.mark.django_db
def test_a_broken_call_log_does_not_break_the_call(
    fake: FakeTencent, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.answer("DestroySession", Reply())

    def fail(*args: object, **kwargs: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(ApiCall, "save", fail)

    with transaction.atomic():
        assert car.destroy_session(user_id="u1").request_id
        assert ApiCall.objects.count() == 0  # and the caller's transaction is still usable


SQLITE_SCRIPT = """
import json, time
import django
django.setup()
from django.conf import settings
from django.db import connection, transaction
from tencent import calllog
from tencent.models import ApiCall

assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), "not the demo's SQLite"
with connection.schema_editor() as editor:  # only the table this needs: a full migrate takes long
    editor.create_model(ApiCall)
started = time.monotonic()
with transaction.atomic():  # holds SQLite's write lock from BEGIN (IMMEDIATE), as every service does
    calllog.record(service="car", action="ApplyConcurrent", outcome="ok")
    calllog.record(service="car", action="CreateSession", outcome="error")
calllog.record(service="car", action="DestroySession", outcome="ok")  # outside any transaction
print(json.dumps({
    "alias": settings.CALL_LOG_DATABASE,
    "seconds": time.monotonic() - started,
    "actions": list(ApiCall.objects.order_by("id").values_list("action", flat=True)),
}))
"""


def test_on_the_demos_sqlite_the_call_log_never_waits_for_the_callers_write_lock(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(CNR_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="dashboard.settings", LOG_LEVEL="WARNING")
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["alias"] == "default"
    assert result["actions"] == ["ApplyConcurrent", "CreateSession", "DestroySession"]
    # A second connection would wait out SQLite's 20 s busy timeout on the caller's own lock.
    assert result["seconds"] < 15
