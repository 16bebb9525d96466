"""The cron's frequent checks run as one job (recordings/periodic.py): fewer RQ jobs a minute, with the same checks
(lost session jobs, late callback lanes, due webhook deliveries), and one failing check does not skip the others."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from recordings import periodic
from webhooks import jobs as webhook_jobs
from webhooks import wakeup as webhook_wakeup
from webhooks.models import EventType, WebhookEvent

ROOT = Path(__file__).resolve().parents[2]
# Loaded the way `manage.py rqcron recordings.cron` loads it, in a fresh interpreter: RQ's loader reloads the
# config module but not the modules it imports, which a test process may already hold.
LIST_JOBS = """
import json, django
django.setup()
from redis import Redis
from rq.cron import CronScheduler
scheduler = CronScheduler(connection=Redis())
scheduler.load_config_from_file("recordings.cron")
print(json.dumps([[j.name, j.interval, j.cron, j.func_name] for j in scheduler.get_jobs()]))
"""


def test_the_project_cron_runs_about_a_dozen_jobs_a_minute_not_thirty() -> None:
    out = subprocess.run(
        [sys.executable, "-c", LIST_JOBS], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    jobs = {name: (interval, cron, func) for name, interval, cron, func in json.loads(out.splitlines()[-1])}
    assert jobs["recordings-tick"] == (5, None, "recordings.periodic.tick")
    assert "webhooks-pump" not in jobs and "recordings-sweep-callbacks" not in jobs
    assert {"webhooks-budgets", "webhooks-prune", "recordings-reconcile", "alerts-evaluate"} <= set(jobs)
    per_minute = sum(60 / interval for interval, _cron, _func in jobs.values() if interval)
    per_minute += sum(1 for _interval, cron, _func in jobs.values() if cron == "* * * * *")
    assert per_minute <= 16  # the tick (12), the alerts (2), reconciliation and budgets (1 each)


@pytest.mark.django_db
def test_the_tick_wakes_the_webhook_pump_only_when_something_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    kicked: list[bool] = []
    monkeypatch.setattr(webhook_wakeup, "kick", lambda: kicked.append(True))
    monkeypatch.setattr(
        periodic, "CHECKS", {**periodic.CHECKS, "sessions": lambda: 0, "callbacks": lambda: 0}
    )

    assert periodic.tick()["webhooks"] == 0 and kicked == []
    WebhookEvent.objects.create(
        uid="evt-periodic-1",
        type=EventType.values[0],
        occurred_at=timezone.now() - timedelta(seconds=30),
        data={},
    )
    assert webhook_jobs.due_work()
    assert periodic.tick()["webhooks"] == 1 and kicked == [True]


def test_one_failing_check_does_not_skip_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def broken() -> int:
        ran.append("sessions")
        raise RuntimeError("database went away")

    def record(name: str) -> Callable[[], int]:
        def check() -> int:
            ran.append(name)
            return 0

        return check

    checks = {"sessions": broken, "callbacks": record("callbacks"), "webhooks": record("webhooks")}
    monkeypatch.setattr(periodic, "CHECKS", checks)
    with pytest.raises(RuntimeError, match="database went away"):
        periodic.tick()
    assert ran == ["sessions", "callbacks", "webhooks"]
