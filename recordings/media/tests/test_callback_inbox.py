"""The callback inbox: the request stores once and answers; RQ jobs apply, per stream in arrival order; nothing is
lost while no worker runs or Redis is down. Here the "default" queue is asynchronous (the suite's is not)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import django_rq
import pytest
from django.db import connection
from django.test import Client
from rq import Queue, SimpleWorker

from recordings.media import enqueue, jobs
from recordings.media.services import callback_handlers
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
from recordings.models import CallbackState, CssCallbackEvent, StreamPush

pytestmark = pytest.mark.django_db


def lanes_of_keys(queue: Queue) -> set[int]:
    return {job.args[0] for job in queue.jobs}


def push(stream: str, sequence: str, event_type: int, event_time: int) -> dict[str, Any]:
    event = {**PUSH_START_EXAMPLE, "stream_id": stream, "channel_id": stream, "sequence": sequence}
    event.update(event_type=event_type, event_time=event_time)
    if event_type == 0:
        event.update(push_duration=100_000, errmsg="push ended")
    return event


@pytest.fixture(autouse=True)
def callback_key(settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Queue]:
    """The apply jobs' queue as in production: jobs wait in Redis until a worker takes them."""
    monkeypatch.setitem(settings.RQ_QUEUES[enqueue.QUEUE], "ASYNC", True)
    queue = django_rq.get_queue(enqueue.QUEUE)

    def clean() -> None:
        queue.empty()
        for key in queue.connection.scan_iter("cnr:callbacks:*"):
            queue.connection.delete(key)

    clean()
    yield queue
    clean()


@pytest.fixture
def hook_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    for name in ("session_stream_live", "session_stream_ended"):
        monkeypatch.setattr(
            callback_handlers.session_hooks, name, lambda _name=name, **kwargs: calls.append((_name, kwargs))
        )
    return calls


def run_worker(queue: Queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_a_delivery_is_one_insert_and_a_retry_is_counted_on_the_same_row(
    client: Client, queue: Queue
) -> None:
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        first = post_callback(client, PUSH_START_EXAMPLE)
    retry = post_callback(client, PUSH_START_EXAMPLE)  # CSS's retry: the same event under a new t/sign

    assert first.status_code == 200 and first.json()["duplicate"] is False
    assert retry.status_code == 200 and retry.json() == {
        "code": 0,
        "event": first.json()["event"],
        "duplicate": True,
    }
    event = CssCallbackEvent.objects.get()
    assert event.duplicates == 1 and event.state == CallbackState.PENDING
    # The reused-signature look-up, then the one upsert: nothing of the event is applied in the request.
    assert len(statements) == 2, statements
    assert "ON CONFLICT" in statements[1]


def test_acked_while_no_worker_runs_then_applied_by_the_worker(client: Client, queue: Queue) -> None:
    room = make_room(stream_name="test_stream")
    other_stream = next(
        f"s-{n}" for n in range(100) if enqueue.lane_of(f"s-{n}") != enqueue.lane_of("test_stream")
    )

    for sequence in ("1", "2", "3"):
        assert (
            post_callback(client, push("test_stream", sequence, 1, 1545115790 + int(sequence))).status_code
            == 200
        )
    assert post_callback(client, push(other_stream, "9", 1, 1545115790)).status_code == 200

    assert CssCallbackEvent.objects.waiting().count() == 4
    assert not StreamPush.objects.exists()
    # One job per lane waits, however many events its lane got.
    assert lanes_of_keys(queue) == {enqueue.lane_of("test_stream"), enqueue.lane_of(other_stream)}
    assert len(queue.jobs) == 2

    run_worker(queue)

    assert not CssCallbackEvent.objects.waiting().exists()
    assert set(CssCallbackEvent.objects.values_list("state", flat=True)) == {CallbackState.PROCESSED}
    live = StreamPush.objects.live().get(stream_name="test_stream")
    assert live.sequence == "3" and live.room == room
    assert StreamPush.objects.filter(stream_name="test_stream").count() == 3


def test_redis_down_at_ingest_still_acks_and_the_sweep_applies_the_event_later(
    client: Client, queue: Queue, settings: Any
) -> None:
    make_room(stream_name="test_stream")
    url = settings.RQ_QUEUES[enqueue.QUEUE]["URL"]
    settings.RQ_QUEUES[enqueue.QUEUE]["URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = post_callback(client, PUSH_START_EXAMPLE)
    finally:
        settings.RQ_QUEUES[enqueue.QUEUE]["URL"] = url

    assert response.status_code == 200
    assert CssCallbackEvent.objects.waiting().count() == 1 and len(queue.jobs) == 0
    assert jobs.sweep_callbacks() == 0  # stored just now: its job may be on the way

    CssCallbackEvent.objects.update(received_at=at(1545115790))  # waiting for longer than the sweep allows
    assert jobs.sweep_callbacks() == 1
    run_worker(queue)

    assert StreamPush.objects.live().get().sequence == PUSH_START_EXAMPLE["sequence"]
    assert not CssCallbackEvent.objects.waiting().exists()


def test_a_streams_events_are_applied_in_arrival_order_whatever_order_the_jobs_run(
    client: Client, queue: Queue, hook_calls: list[Any]
) -> None:
    room = make_room(stream_name="stage")
    session = make_session(room, stream_name="stage-r7", start=at(1545115000))
    arrivals = [
        push("stage-r7", "a", 1, 1000),
        push("stage-r7", "a", 0, 1100),
        push("stage-r7", "b", 1, 1200),
    ]
    for event in arrivals:
        assert post_callback(client, event).status_code == 200
        # As if each event's flag had lapsed (or the sweep asked too): one job per event.
        queue.connection.delete(f"cnr:callbacks:lane:{enqueue.lane_of('stage-r7')}:queued")
    assert len(queue.jobs) == 3

    for job in reversed(queue.jobs):  # the last-enqueued job first
        job.perform()

    assert hook_calls == [
        ("session_stream_live", {"session_id": session.pk, "at": at(1000)}),
        ("session_stream_ended", {"session_id": session.pk, "at": at(1100)}),
        ("session_stream_live", {"session_id": session.pk, "at": at(1200)}),
    ]
    applied = list(CssCallbackEvent.objects.order_by("processed_at", "id").values_list("id", flat=True))
    assert applied == sorted(applied)
    assert StreamPush.objects.live().get().sequence == "b"


def test_a_job_finding_its_lane_busy_leaves_the_events_to_the_lane_holder(
    client: Client, queue: Queue
) -> None:
    make_room(stream_name="test_stream")
    post_callback(client, PUSH_START_EXAMPLE)
    lane = enqueue.lane_of("test_stream")

    with enqueue.lane_lock(lane) as held:
        assert held
        assert jobs.apply_callbacks(lane) == 0
    assert CssCallbackEvent.objects.waiting().count() == 1

    assert jobs.apply_callbacks(lane) == 1
    assert StreamPush.objects.live().exists()


@pytest.mark.parametrize(
    "body",
    [
        sign(PUSH_START_EXAMPLE, key="someone-elses-key"),
        {**sign(PUSH_START_EXAMPLE), "sign": "0" * 32},
        sign(PUSH_START_EXAMPLE, t=1545030873),
    ],
    ids=["wrong-key", "forged-sign", "expired-t"],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored_or_queued(
    client: Client, queue: Queue, body: dict[str, Any]
) -> None:
    response = client.post(CALLBACK_URL, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 403
    assert not CssCallbackEvent.objects.exists()
    assert len(queue.jobs) == 0


def test_the_sweep_ignores_events_already_applied(queue: Queue) -> None:
    CssCallbackEvent.objects.create(
        dedupe_key="x" * 64,
        raw_body="{}",
        payload={},
        state=CallbackState.PROCESSED,
        processed_at=at(1545115790) + timedelta(seconds=1),
        received_at=at(1545115790),
    )
    assert jobs.sweep_callbacks() == 0
