"""The load of bench/callbacks.py: CSS's events for the seeded sessions' streams, and the senders that post them
(closed loop: as fast as the answers come; open loop: at a fixed rate whatever the answers)."""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CALLBACK_KEY = "bench-callback-key"
CALLBACK_PATH = "/callbacks/css/"
RETRY_SHARE = 1 / 6


@dataclass(frozen=True)
class Stream:
    name: str
    task_id: str


def signed(payload: dict[str, Any]) -> bytes:
    t = int(time.time()) + 600  # CSS's t: send time + 10 minutes, shared by everything sent in that second
    sign = hashlib.md5(f"{CALLBACK_KEY}{t}".encode()).hexdigest()
    return json.dumps({**payload, "t": t, "sign": sign}).encode()


class EventSource:
    """Distinct CSS events of the sessions' streams, each once, plus retries of events already sent."""

    def __init__(self, run: str, streams: list[Stream]) -> None:
        self.run = run
        self.streams = streams
        self._lock = threading.Lock()
        self._counter = 0
        self._sent: list[dict[str, Any]] = []
        self._late: list[dict[str, Any]] = []  # starts of pushes whose end went first
        self._random = random.Random(run)

    def next(self) -> tuple[dict[str, Any], bool]:
        with self._lock:
            if self._sent and self._random.random() < RETRY_SHARE:
                return self._random.choice(self._sent), True
            self._counter += 1
            event = self._late.pop() if self._late else self._event(self._counter)
            self._sent.append(event)
            return event, False

    def _event(self, n: int) -> dict[str, Any]:
        stream = self.streams[n % len(self.streams)]
        name, sequence, now = stream.name, f"{self.run}-{n}", int(time.time())
        kind = n % 6
        if kind == 0:  # a push whose end is delivered before its start (queued to go next)
            self._late.append(
                {"event_type": 1, "stream_id": name, "sequence": sequence, "event_time": now - 5}
            )
            return {
                "event_type": 0,
                "stream_id": name,
                "sequence": sequence,
                "event_time": now,
                "push_duration": 5000,
                "errmsg": "bench",
            }
        if kind == 1:
            return {"event_type": 1, "stream_id": name, "sequence": sequence, "event_time": now}
        if kind == 2:
            return {
                "event_type": 100,
                "stream_id": name,
                "file_id": sequence,
                "file_format": "mp4",
                "task_id": stream.task_id if n % 12 == 2 else "",
                "end_time": now,
                "duration": 60,
                "file_size": 1_000_000,
                "video_url": f"http://vod.example.com/{self.run}/{n}.mp4",
                "callback_ext": '{"video_codec":"h264","resolution":"1280x720"}',
            }
        if kind == 3:
            return {
                "event_type": 200,
                "stream_id": name,
                "create_time": now,
                "pic_url": f"/{self.run}/{n}.jpg",
                "pic_full_url": f"http://pics.example.com/{self.run}/{n}.jpg",
            }
        if kind == 4:
            return {
                "event_type": 321,
                "stream_id": name,
                "sequence": sequence,
                "data_time": now * 1000,
                "abnormal_event": [{"type": 3, "count": 1, "detail": [{"occur_time": now * 1000}]}],
            }
        return {
            "event_type": 332,
            "stream_id": name,
            "task_id": stream.task_id,
            "record_event": "record_start_succeeded",
            "event_time": now,
            "n": n,
        }

    @property
    def distinct(self) -> int:
        return self._counter


@dataclass
class Tally:
    requests: int = 0
    retries_acked: int = 0
    failures: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def percentile(self, share: float) -> float:
        values = sorted(self.latencies_ms) or [0.0]
        return values[min(len(values) - 1, int(len(values) * share))]


class Sender:
    """One HTTP client (gunicorn's sync workers close every connection: a new one per request, as CSS opens)."""

    def __init__(self, port: int, source: EventSource, tally: Tally) -> None:
        self.port, self.source, self.tally = port, source, tally

    def send(self, started: float) -> None:
        event, is_retry = self.source.next()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                "POST", CALLBACK_PATH, body=signed(event), headers={"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
        finally:
            connection.close()
        elapsed_ms = (time.perf_counter() - started) * 1000
        with self.tally.lock:
            self.tally.latencies_ms.append(elapsed_ms)
            self.tally.retries_acked += is_retry and ok
            self.tally.failures += not ok


def run_threads(count: int, target: Callable[[], None]) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def closed_loop(sender: Sender, senders: int, *, seconds: float = 1e9, requests: int = 1 << 62) -> float:
    """`senders` threads each sending as soon as its previous answer came; returns the elapsed seconds."""
    tally = sender.tally
    deadline = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline:
            with tally.lock:
                if tally.requests >= requests:
                    return
                tally.requests += 1
            sender.send(time.perf_counter())

    started = time.monotonic()
    run_threads(senders, loop)
    return time.monotonic() - started


def open_loop(sender: Sender, rate: float, seconds: float, threads: int = 64) -> tuple[float, int]:
    """Request i is due at start + i/rate whatever the answers; its latency counts from that due time. A request
    not sent within `seconds` + 30 s of the start is not sent: returns the elapsed seconds and how many were not."""
    tally = sender.tally
    total = int(rate * seconds)
    start = time.perf_counter() + 0.1
    give_up = start + seconds + 30
    skipped = 0

    def loop() -> None:
        nonlocal skipped
        while True:
            with tally.lock:
                index = tally.requests
                if index >= total:
                    return
                tally.requests += 1
                if time.perf_counter() > give_up:
                    skipped += 1
                    continue
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sender.send(due)

    run_threads(threads, loop)
    return time.perf_counter() - start, skipped
