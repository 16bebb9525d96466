"""Structured logs: the request id in and out, and the fields one recording can be followed by."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from pythonjsonlogger.json import JsonFormatter
from rq.job import Job

from dashboard.observability import logcontext, metrics
from dashboard.observability.rq_worker import job_log_fields
from recordings.sessions import jobs
from tencent.context import api_call_context

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The production formatter and filter (settings.LOGGING with LOG_FORMAT=json) on a buffer."""
    config = logcontext.logging_config(json_lines=True, level="INFO")
    options = {
        "fmt" if k == "format" else k: v for k, v in config["formatters"]["console"].items() if k != "()"
    }
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(logcontext.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield buffer
    root.removeHandler(handler)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.mark.django_db
def test_every_response_names_its_request_id(client):
    generated = client.get("/accounts/login/")["X-Request-ID"]
    assert len(generated) == 32 and int(generated, 16) >= 0
    assert client.get("/accounts/login/")["X-Request-ID"] != generated
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert kept["X-Request-ID"] == "lb-7f3a9c21-0001"
    for insane in ("short", "has spaces in it", "x" * 200, "<script>alert(1)</script>"):
        answer = client.get("/accounts/login/", HTTP_X_REQUEST_ID=insane)
        assert answer["X-Request-ID"] != insane and len(answer["X-Request-ID"]) == 32


@pytest.mark.django_db
@pytest.mark.urls("dashboard.tests.observability_urls")
def test_a_request_log_line_is_one_json_object_with_request_id_user_and_recording(
    client_as, operator, json_lines
):
    response = client_as(operator).get("/recordings/42/log/", HTTP_X_REQUEST_ID="req-abcdef-123")
    assert response.status_code == 200
    [line] = [line for line in lines(json_lines) if line["logger"] == "cnr.test"]
    assert line["message"] == "looked at the recording"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-abcdef-123"
    assert line["user"] == operator.username
    assert line["recording"] == 42
    assert str(line["time"]).endswith("+00:00")
    assert "context" not in line


@pytest.mark.django_db
def test_a_job_binds_its_recording_and_each_tencent_call_its_request_id(json_lines):
    job = Job.create(jobs.advance_session, args=(77,), connection=redis.Redis())  # never sent
    fields = job_log_fields(job)
    assert fields == {"job": "recordings.sessions.jobs.advance_session", "recording": 77}
    with logcontext.bound(**fields):
        metrics.tencent_call(
            {
                "service": "car",
                "action": "CreateSession",
                "outcome": "ok",
                "duration_ms": 80,
                "request_id": "tc-req-1",
                "attempt": 1,
            }
        )
        logging.getLogger("recordings.test").warning("step done")
    logging.getLogger("recordings.test").warning("after the job")
    call, step, after = lines(json_lines)[-3:]
    assert call["logger"] == "tencent.calls" and "CreateSession" in str(call["message"])
    assert step["recording"] == 77 and step["tencent_request_id"] == "tc-req-1"
    assert step["job"] == "recordings.sessions.jobs.advance_session"
    assert "recording" not in after and "tencent_request_id" not in after


def test_the_orchestrators_session_is_the_logs_recording(json_lines):
    with api_call_context(session_id=9):
        logging.getLogger("recordings.test").warning("calling Tencent for it")
    assert lines(json_lines)[-1]["recording"] == 9


def test_text_lines_carry_the_same_fields():
    config = logcontext.logging_config(json_lines=False, level="INFO")
    formatter = logging.Formatter(config["formatters"]["console"]["format"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    with logcontext.bound(request_id="req-1234567", room="lobby"):
        logcontext.ContextFilter().filter(record)
    assert formatter.format(record).endswith("INFO x hello request_id=req-1234567 room=lobby")


@pytest.mark.parametrize(("debug", "expected"), [("1", "text"), ("0", "json")])
def test_json_lines_in_production_text_in_the_demo(tmp_path, debug, expected):
    env = {
        **os.environ,
        "DEBUG": debug,
        "SECRET_KEY": "k" * 60,
        "CNR_VAR_DIR": str(tmp_path),
        "LOG_FORMAT": "",
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
    }
    code = "import django; django.setup(); from django.conf import settings; import logging; print(settings.LOG_FORMAT); logging.getLogger('t').warning('hi')"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == expected, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    if expected == "json":
        assert json.loads(last)["message"] == "hi"
    else:
        assert last.endswith("WARNING t hi")
