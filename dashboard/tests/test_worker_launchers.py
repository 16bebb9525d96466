"""The demo and the production smoke run the RQ worker class README recommends for production."""

from __future__ import annotations

import importlib.util
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from dashboard.management.commands import rundemo

ROOT = Path(__file__).resolve().parents[2]
RECOMMENDED = "dashboard.observability.rq_worker.SimpleWorker"


def worker_classes(commands: list[list[str]]) -> list[str]:
    return [c[c.index("--worker-class") + 1] for c in commands if "rqworker" in c]


def test_readme_recommends_the_in_process_worker() -> None:
    workers = next(p for p in (ROOT / "README.md").read_text().split("\n- ") if p.startswith("**Workers**"))
    assert re.search(r"--worker-class\s+" + re.escape(RECOMMENDED), workers), workers


class _Started(Exception):
    pass


def test_rundemo_runs_the_recommended_worker_on_every_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []
    envs: list[dict[str, str]] = []

    class Recorded:
        def __init__(self, name: str, command: list[str], *, env: dict[str, str], **kwargs: Any) -> None:
            commands.append(command)
            envs.append(env)

        def start(self) -> None:
            raise _Started  # every command is built by now: stop before anything runs

        def terminate(self) -> None:
            pass

        def wait(self, deadline: float) -> None:
            pass

    monkeypatch.setattr(rundemo, "Supervised", Recorded)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # keep pytest's own handlers
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # never the embedded Redis; nothing connects
    with pytest.raises(_Started):
        call_command("rundemo", "--no-emulator", "--job-logs")
    assert worker_classes(commands) == [RECOMMENDED, RECOMMENDED]  # recordings' queues and webhooks
    assert {env.get("RQ_JOB_LOG_LEVEL") for env in envs} == {"INFO"}  # --job-logs still shows each job


def test_prod_smoke_runs_the_recommended_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("prod_smoke", ROOT / "scripts" / "prod_smoke.py")
    assert spec and spec.loader
    prod_smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prod_smoke)
    deployment = prod_smoke.Deployment(env={}, logs=tmp_path, port=1)
    commands: list[list[str]] = []
    monkeypatch.setattr(deployment, "start", lambda name, command: commands.append(command))
    deployment.start_all()
    assert worker_classes(commands) == [RECOMMENDED, RECOMMENDED]
