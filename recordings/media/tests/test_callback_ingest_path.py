"""The callback's lean path (recordings/media/middleware.py) and the batched apply (one savepoint per batch):
what they skip must not change what is accepted, stored and applied, nor the order of a stream's events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import django_rq
import pytest
from django.db import connection
from django.test import Client
from rq import Queue

from recordings.media import enqueue, jobs
from recordings.media.tests.support import (
    CALLBACK_KEY,
    CALLBACK_URL,
    PUSH_START_EXAMPLE,
    at,
    make_room,
    make_session,
    post_callback,
    sign,
)
from recordings.models import (
    CallbackState,
    CssCallbackEvent,
    RecordStatusChange,
    SessionTransition,
    StreamPush,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def callback_key(settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Queue]:
    """The apply jobs wait in Redis (as in production) until the test runs them."""
    monkeypatch.setitem(settings.RQ_QUEUES[enqueue.QUEUE], "ASYNC", True)
    queue = django_rq.get_queue(enqueue.QUEUE)

    def clean() -> None:
        queue.empty()
        for key in queue.connection.scan_iter("cnr:callbacks:*"):
            queue.connection.delete(key)

    clean()
    yield queue
    clean()


def push(stream: str, sequence: str, event_type: int, event_time: int) -> dict[str, Any]:
    event = {**PUSH_START_EXAMPLE, "stream_id": stream, "channel_id": stream, "sequence": sequence}
    event.update(event_type=event_type, event_time=event_time)
    if event_type == 0:
        event.update(push_duration=100_000, errmsg="push ended")
    return event


def test_a_callback_is_answered_without_the_browser_middleware_and_stored_once(
    client: Client, queue: Queue
) -> None:
    body = json.dumps(sign(PUSH_START_EXAMPLE))
    first = client.post(
        CALLBACK_URL, data=body, content_type="application/json", HTTP_X_REQUEST_ID="css-request-0001"
    )
    retry = post_callback(client, PUSH_START_EXAMPLE)

    assert first.status_code == 200 and first.json()["duplicate"] is False
    assert retry.status_code == 200 and retry.json()["duplicate"] is True
    assert CssCallbackEvent.objects.get().duplicates == 1
    # No session cookie, no CSP or frame headers: the browser middleware did not run; the request id did.
    assert not first.cookies
    assert "Content-Security-Policy" not in first.headers and "X-Frame-Options" not in first.headers
    assert first.headers["X-Request-ID"] == "css-request-0001"
    assert first.headers["Content-Length"] == str(len(first.content))


@pytest.mark.parametrize(
    "body",
    [sign(PUSH_START_EXAMPLE, key="someone-elses-key"), {**sign(PUSH_START_EXAMPLE), "sign": "0" * 32}],
    ids=["wrong-key", "forged-sign"],
)
def test_the_lean_path_still_refuses_a_bad_signature(client: Client, queue: Queue, body: Any) -> None:
    response = client.post(CALLBACK_URL, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 403
    assert not CssCallbackEvent.objects.exists() and len(queue.jobs) == 0


def test_a_host_not_allowed_gets_the_ordinary_400(client: Client, queue: Queue) -> None:
    body = json.dumps(sign(PUSH_START_EXAMPLE))
    response = client.post(
        CALLBACK_URL, data=body, content_type="application/json", HTTP_HOST="evil.example.com"
    )

    assert response.status_code == 400
    assert not CssCallbackEvent.objects.exists()


def test_plain_http_is_redirected_when_https_is_required(client: Client, queue: Queue, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True

    plain = post_callback(client, PUSH_START_EXAMPLE)
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert not CssCallbackEvent.objects.exists()

    secure = client.post(
        CALLBACK_URL, data=json.dumps(sign(PUSH_START_EXAMPLE)), content_type="application/json", secure=True
    )
    assert secure.status_code == 200 and CssCallbackEvent.objects.count() == 1


def test_other_methods_take_the_ordinary_path(client: Client) -> None:
    assert client.get(CALLBACK_URL).status_code == 405


def test_a_failing_event_in_a_batch_is_failed_alone_and_its_neighbours_applied_once_in_order(
    client: Client, queue: Queue, django_capture_on_commit_callbacks: Any
) -> None:
    session = make_session(make_room(stream_name="other"), stream_name="stage-r7", start=at(1545115000))
    no_picture = {"event_type": 200, "stream_id": "stage-r7", "create_time": 1050}  # its handler raises
    for event in (push("stage-r7", "a", 1, 1000), no_picture, push("stage-r7", "a", 0, 1100)):
        assert post_callback(client, event).status_code == 200
    assert len(queue.jobs) == 1  # one job for the lane's three events

    with django_capture_on_commit_callbacks() as on_commit:
        queue.jobs[0].perform()

    states = list(CssCallbackEvent.objects.order_by("id").values_list("state", "error"))
    assert [state for state, _error in states] == [
        CallbackState.PROCESSED,
        CallbackState.FAILED,
        CallbackState.PROCESSED,
    ]
    assert states[1][1].startswith("ValueError")
    pushed = StreamPush.objects.get()
    assert pushed.started_at == at(1000) and pushed.ended_at == at(1100)
    # The end was applied after the start, once: the rolled-back first attempt left no transition and no job.
    session.refresh_from_db()
    assert session.stream_lost_at == at(1100)
    lost = SessionTransition.objects.filter(session=session, reason__contains="ended unexpectedly")
    assert lost.count() == 1
    assert len(on_commit) == 1  # the session's wake-up, queued once


def test_a_batch_is_applied_under_one_savepoint_not_one_per_event(client: Client, queue: Queue) -> None:
    make_room(stream_name="stage")
    for n in range(10):  # record status events (332): each creates its row without get_or_create's savepoint
        status = {"event_type": 332, "stream_id": "stage", "record_event": "record_start_succeeded", "n": n}
        post_callback(client, {**status, "event_time": 1000 + n})
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        queue.jobs[0].perform()

    assert not CssCallbackEvent.objects.waiting().exists()
    changes = RecordStatusChange.objects.order_by("id").values_list("event__payload__n", flat=True)
    assert list(changes) == list(range(10))  # applied in arrival order
    savepoints = [sql for sql in statements if sql.startswith("SAVEPOINT")]
    assert len(savepoints) < 10, savepoints


def test_a_sweep_that_finds_nothing_late_costs_one_query(
    client: Client, queue: Queue, django_assert_num_queries: Any
) -> None:
    make_room(stream_name="test_stream")
    post_callback(client, PUSH_START_EXAMPLE)  # waiting, but not for long: its job may be on the way

    with django_assert_num_queries(1):
        assert jobs.sweep_callbacks() == 0

    CssCallbackEvent.objects.update(
        received_at=at(1545115790)
    )  # now it waits too long: its lane is asked for
    queue.empty()
    queue.connection.delete(f"cnr:callbacks:lane:{enqueue.lane_of('test_stream')}:queued")
    assert jobs.sweep_callbacks() == 1 and len(queue.jobs) == 1
