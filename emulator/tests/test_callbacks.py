"""CallbackSender against a tiny local HTTP receiver on a free port."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any

import pytest

from emulator.callbacks import CallbackFaults, CallbackSender, Outcome

KEY = "testcallbackkey"


@dataclass
class Receiver:
    url: str
    # Decides the status for each received body; default: always 200.
    respond: Callable[[dict[str, Any]], int] = lambda body: 200
    delay_s: Callable[[dict[str, Any]], float] = lambda body: 0.0
    received: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def bodies(self) -> list[dict[str, Any]]:
        return [body for _, body in self.received]

    def names(self) -> list[str]:
        return [body["stream_id"] for body in self.bodies()]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.received.append((time.time(), body))
            time.sleep(state.delay_s(body))
            status = state.respond(body)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/callbacks/css/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_sender(receiver: Receiver) -> Iterator[Callable[..., CallbackSender]]:
    senders: list[CallbackSender] = []

    def make(**kwargs: Any) -> CallbackSender:
        options: dict[str, Any] = {
            "key": KEY,
            "url": receiver.url,
            "retry_interval_s": 0.05,
            "timeout_s": 2.0,
        }
        options.update(kwargs)
        sender = CallbackSender(**options)
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        sender.close()


def event(name: str, event_type: int = 1) -> dict[str, Any]:
    return {"event_type": event_type, "stream_id": name, "appname": "live"}


def test_signature_is_md5_of_key_and_expiry(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender()
    before = int(time.time())
    sender.send(event("room-1"))
    assert sender.flush(5)

    [body] = receiver.bodies()
    assert body["stream_id"] == "room-1"
    assert before + 600 <= body["t"] <= int(time.time()) + 600
    assert body["sign"] == hashlib.md5(f"{KEY}{body['t']}".encode()).hexdigest()
    [attempt] = sender.history()
    assert (attempt.attempt, attempt.status_code, attempt.outcome) == (1, 200, Outcome.DELIVERED)


def test_retries_after_500_until_success(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    receiver.respond = lambda body: 500 if len(receiver.received) <= 2 else 200
    sender = make_sender()
    sender.send(event("room-1"))
    assert sender.flush(5)

    assert [(a.attempt, a.status_code, a.outcome) for a in sender.history()] == [
        (1, 500, Outcome.FAILED),
        (2, 500, Outcome.FAILED),
        (3, 200, Outcome.DELIVERED),
    ]
    times = [at for at, _ in receiver.received]
    assert all(later - earlier >= 0.04 for earlier, later in pairwise(times))


def test_max_attempts_honoured(receiver: Receiver, make_sender: Callable[..., CallbackSender]) -> None:
    receiver.respond = lambda body: 500
    sender = make_sender(max_attempts=3)
    sender.send(event("room-1"))
    assert sender.flush(5)
    time.sleep(0.2)  # nothing more arrives after giving up

    assert len(receiver.received) == 3
    assert [a.attempt for a in sender.history()] == [1, 2, 3]


def test_screenshot_events_retry_at_double_interval_five_times(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    receiver.respond = lambda body: 500
    sender = make_sender(retry_interval_s=0.05, max_attempts=12)
    sender.send(event("room-1", event_type=200))
    assert sender.flush(5)

    times = [at for at, _ in receiver.received]
    assert len(times) == 5
    assert all(later - earlier >= 0.095 for earlier, later in pairwise(times))


def test_timeout_counts_as_failure_and_is_retried(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    receiver.delay_s = lambda body: 0.6 if len(receiver.received) == 1 else 0.0
    sender = make_sender(timeout_s=0.2)
    sender.send(event("room-1"))
    assert sender.flush(5)

    history = sender.history()
    assert [(a.status_code, a.outcome) for a in history] == [(None, Outcome.FAILED), (200, Outcome.DELIVERED)]
    assert "timed out" in history[0].error


def test_failing_event_does_not_block_the_next(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    receiver.respond = lambda body: 500 if body["stream_id"] == "bad" else 200
    sender = make_sender(retry_interval_s=0.5, max_attempts=2)
    sender.send(event("bad"))
    sender.send(event("good"))
    assert sender.flush(5)

    assert receiver.names() == ["bad", "good", "bad"]
    good_at = receiver.received[1][0]
    retry_at = receiver.received[2][0]
    assert retry_at - good_at > 0.3


def test_first_attempts_keep_send_order(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender()
    names = [f"room-{i}" for i in range(8)]
    for name in names:
        sender.send(event(name))
    assert sender.flush(5)
    assert receiver.names() == names


def test_drop_fault_loses_events(receiver: Receiver, make_sender: Callable[..., CallbackSender]) -> None:
    sender = make_sender(faults=CallbackFaults(drop_rate=1.0))
    sender.send(event("room-1"))
    assert sender.flush(5)
    time.sleep(0.1)

    assert receiver.received == []
    [attempt] = sender.history()
    assert (attempt.status_code, attempt.outcome) == (None, Outcome.DROPPED)


def test_partial_drop_is_deterministic_with_a_seed(receiver: Receiver) -> None:
    def delivered_names(seed: int) -> list[str]:
        receiver.received.clear()
        sender = CallbackSender(
            key=KEY, url=receiver.url, faults=CallbackFaults(drop_rate=0.5), seed=seed, retry_interval_s=0.05
        )
        try:
            for i in range(20):
                sender.send(event(f"room-{i}"))
            assert sender.flush(5)
        finally:
            sender.close()
        return receiver.names()

    first = delivered_names(7)
    assert 0 < len(first) < 20
    assert delivered_names(7) == first


def test_duplicate_fault_delivers_twice(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender(faults=CallbackFaults(duplicate_rate=1.0))
    sender.send(event("room-1"))
    sender.send(event("room-2"))
    assert sender.flush(5)

    assert sorted(receiver.names()) == ["room-1", "room-1", "room-2", "room-2"]
    assert [a.duplicate for a in sender.history()].count(True) == 2


def test_reorder_fault_delivers_a_batch_out_of_order(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender(faults=CallbackFaults(reorder=True, reorder_window_s=0.2), seed=3)
    names = [f"room-{i}" for i in range(5)]
    for name in names:
        sender.send(event(name))
    assert sender.flush(5)

    assert sorted(receiver.names()) == names
    assert receiver.names() != names


def test_delay_fault_postpones_delivery(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender(faults=CallbackFaults(delay_s=0.3))
    sent_at = time.time()
    sender.send(event("room-1"))
    assert sender.flush(5)

    [(received_at, _)] = receiver.received
    assert received_at - sent_at >= 0.29


def test_fail_first_n_simulates_failures_then_retries(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender()
    sender.set_faults(CallbackFaults(fail_first_n=2))
    sender.send(event("room-1"))
    assert sender.flush(5)

    assert len(receiver.received) == 1
    assert [a.outcome for a in sender.history()] == [
        Outcome.SIMULATED_FAILURE,
        Outcome.SIMULATED_FAILURE,
        Outcome.DELIVERED,
    ]


def test_set_url_redirects_pending_retries(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender(url="http://127.0.0.1:9/unreachable", retry_interval_s=0.1)
    sender.send(event("room-1"))
    deadline = time.time() + 5
    while not sender.history() and time.time() < deadline:
        time.sleep(0.01)
    sender.set_url(receiver.url)
    assert sender.flush(5)

    assert receiver.names() == ["room-1"]
    outcomes = [a.outcome for a in sender.history()]
    assert outcomes[0] is Outcome.FAILED
    assert outcomes[-1] is Outcome.DELIVERED


def test_empty_url_skips_delivery(receiver: Receiver, make_sender: Callable[..., CallbackSender]) -> None:
    sender = make_sender(url="")
    sender.send(event("room-1"))
    assert sender.flush(5)
    assert [a.outcome for a in sender.history()] == [Outcome.SKIPPED]


def test_close_stops_the_worker_and_ignores_later_events(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    sender = make_sender()
    sender.close()
    sender.send(event("room-1"))

    assert not sender._worker.is_alive()
    assert sender.flush(1)
    time.sleep(0.1)
    assert receiver.received == []
    assert sender.history() == []


def test_reset_forgets_pending_retries_history_and_faults(
    receiver: Receiver, make_sender: Callable[..., CallbackSender]
) -> None:
    receiver.respond = lambda body: 500 if body["stream_id"] == "old" else 200
    sender = make_sender(retry_interval_s=0.1, faults=CallbackFaults(duplicate_rate=1.0))
    sender.send(event("old"))
    deadline = time.time() + 5
    while not sender.history() and time.time() < deadline:
        time.sleep(0.01)

    sender.reset()
    sender.send(event("new"))
    assert sender.flush(5)
    time.sleep(0.3)

    assert receiver.names() == ["old", "new"]
    assert [(a.event["stream_id"], a.outcome) for a in sender.history()] == [("new", Outcome.DELIVERED)]
