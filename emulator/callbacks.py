"""CSS callback delivery, as Tencent's live callback service does it.

Design:
- `CallbackSender.send()` only enqueues; one background thread delivers JSON POSTs. Each pending delivery has a
  due time in a heap, so an event waiting for its retry never blocks the events behind it. First attempts are
  delivered in send order (console tests rely on "push started" arriving before "push ended" unless a fault says
  otherwise); a receiver that hangs delays the queue by at most `timeout_s` per attempt.
- Authentication follows CSS: `t` = unix time + 600 and `sign = md5(key + str(t))`. Both are set per attempt, so a
  retry twelve minutes later still carries a `t` in the future (a strict receiver rejects expired `t`).
- Only HTTP 200 counts as delivered. Anything else (other status, timeout, connection error) is retried every
  `retry_interval_s` up to `max_attempts` attempts; screenshot events (event_type 200) every 2x the interval,
  at most 5 attempts.
- Faults (`CallbackFaults`) make the documented "late, repeated, lost, out of order" behaviour reproducible;
  with a `seed` the random choices are deterministic.
- `reset()` forgets pending retries, history and faults, so an emulator reused across tests does not deliver a
  previous test's retries to the next test's receiver.
- Loopback receivers are reached directly: the opener has an empty ProxyHandler, so HTTP(S)_PROXY is ignored.
"""

from __future__ import annotations

import enum
import hashlib
import heapq
import itertools
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

logger = logging.getLogger(__name__)

SIGN_VALIDITY_S = 600
SCREENSHOT_EVENT = 200
SCREENSHOT_MAX_ATTEMPTS = 5
HISTORY_LIMIT = 10_000


@dataclass
class CallbackFaults:
    """Injected misbehaviour of the callback service.

    drop_rate: share of events silently lost (never delivered, never retried).
    duplicate_rate: share of delivered events delivered a second time right after.
    delay_s: every event's first attempt waits this long.
    reorder: events are collected in batches of `reorder_window_s` and each batch is delivered out of order
        (shuffled; a shuffle that happens to keep the order is reversed, so a batch of two or more is always
        reordered).
    fail_first_n: the sender pretends the next N attempts failed without contacting the receiver (they are retried
        normally); counted from the moment these faults were set.
    """

    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    delay_s: float = 0.0
    reorder: bool = False
    fail_first_n: int = 0
    reorder_window_s: float = 0.3


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    SIMULATED_FAILURE = "simulated_failure"
    DROPPED = "dropped"
    SKIPPED = "skipped"  # no callback URL configured


@dataclass(frozen=True)
class DeliveryAttempt:
    event: dict[str, Any]  # the body as posted (including t and sign)
    attempt: int  # 1-based attempt number of this delivery
    status_code: int | None  # None: no HTTP answer (timeout, connection error, simulated, dropped)
    at: float  # wall clock of the attempt
    outcome: Outcome = Outcome.DELIVERED
    duplicate: bool = False  # a copy produced by the duplicate fault
    error: str = ""


@dataclass
class _Delivery:
    event: dict[str, Any]
    generation: int
    duplicate: bool = False
    attempts: int = 0

    @property
    def is_screenshot(self) -> bool:
        return self.event.get("event_type") == SCREENSHOT_EVENT


@dataclass(order=True)
class _Scheduled:
    due: float
    seq: int
    delivery: _Delivery = field(compare=False)


def callback_sign(key: str, t: int) -> str:
    return hashlib.md5(f"{key}{t}".encode()).hexdigest()


class CallbackSender:
    def __init__(
        self,
        *,
        key: str,
        url: str,
        retry_interval_s: float = 60.0,
        max_attempts: int = 12,
        timeout_s: float = 20.0,
        faults: CallbackFaults | None = None,
        seed: int | None = None,
    ) -> None:
        self._key = key
        self._url = url
        self._retry_interval_s = retry_interval_s
        self._max_attempts = max_attempts
        self._timeout_s = timeout_s
        self._faults = faults or CallbackFaults()
        self._simulated_failures_left = self._faults.fail_first_n
        self._random = random.Random(seed)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._seq = itertools.count()
        self._queue: list[_Scheduled] = []
        self._batch: list[_Delivery] = []
        self._batch_closes_at = 0.0
        self._in_flight = 0
        self._history: deque[DeliveryAttempt] = deque(maxlen=HISTORY_LIMIT)
        self._closed = False
        self._generation = 0  # bumped by reset(); a delivery from an older generation is forgotten
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._worker = threading.Thread(target=self._run, name="css-callbacks", daemon=True)
        self._worker.start()

    # --- public API -------------------------------------------------------------------------------------------
    def send(self, event: dict[str, Any]) -> None:
        with self._changed:
            delivery = _Delivery(event=dict(event), generation=self._generation)
            if self._closed:  # a timer firing during shutdown: nobody is left to deliver it
                logger.info("callback event_type=%s not sent: sender closed", event.get("event_type"))
                return
            faults = self._faults
            if faults.drop_rate and self._random.random() < faults.drop_rate:
                self._record(delivery, None, Outcome.DROPPED, "dropped by fault injection")
                return
            now = time.time()
            if faults.reorder:
                if not self._batch:
                    self._batch_closes_at = now + max(faults.reorder_window_s, faults.delay_s)
                self._batch.append(delivery)
            else:
                self._schedule(delivery, now + faults.delay_s)
            self._changed.notify_all()

    def set_url(self, url: str) -> None:
        with self._changed:
            self._url = url

    def bind(self, url: str, key: str) -> None:
        """Send to `url`, signed with `key` (a callback rule bound a template to the push domain)."""
        with self._changed:
            self._url, self._key = url, key

    def set_faults(self, faults: CallbackFaults) -> None:
        with self._changed:
            self._faults = replace(faults)
            self._simulated_failures_left = faults.fail_first_n
            if not faults.reorder:
                self._release_batch()
            self._changed.notify_all()

    def reset(self) -> None:
        """Forget pending deliveries (including retries and one in flight), the history and the faults."""
        with self._changed:
            self._generation += 1
            self._queue.clear()
            self._batch.clear()
            self._history.clear()
            self._faults = CallbackFaults()
            self._simulated_failures_left = 0
            self._changed.notify_all()

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until nothing is queued, batched or being delivered; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._queue or self._batch or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def history(self) -> list[DeliveryAttempt]:
        with self._lock:
            return list(self._history)

    def close(self) -> None:
        """Stop the worker; deliveries still pending, and events sent afterwards, are abandoned."""
        with self._changed:
            self._closed = True
            self._queue.clear()
            self._batch.clear()
            self._changed.notify_all()
        if self._worker is not threading.current_thread():
            self._worker.join(timeout=self._timeout_s + 1)

    # --- worker -----------------------------------------------------------------------------------------------
    def _schedule(self, delivery: _Delivery, due: float) -> None:
        heapq.heappush(self._queue, _Scheduled(due, next(self._seq), delivery))

    def _release_batch(self) -> None:
        """Queue the collected batch in a different order than it was sent (lock held)."""
        batch = self._batch
        self._batch = []
        if len(batch) > 1:
            shuffled = self._random.sample(batch, len(batch))
            batch = shuffled if shuffled != batch else batch[::-1]
        due = max(time.time(), self._batch_closes_at)
        for delivery in batch:
            self._schedule(delivery, due)

    def _next_due(self) -> _Delivery | None:
        """Block until a delivery is due (lock held); None once closed."""
        while not self._closed:
            now = time.time()
            if self._batch and now >= self._batch_closes_at:
                self._release_batch()
            if self._queue and self._queue[0].due <= now:
                return heapq.heappop(self._queue).delivery
            wake_at = [s.due for s in self._queue[:1]] + ([self._batch_closes_at] if self._batch else [])
            self._changed.wait(min(wake_at) - now if wake_at else None)
        return None

    def _run(self) -> None:
        while True:
            with self._changed:
                delivery = self._next_due()
                if delivery is None:
                    return
                self._in_flight += 1
                url = self._url
                simulate_failure = self._simulated_failures_left > 0
                if simulate_failure:
                    self._simulated_failures_left -= 1
            try:
                self._attempt(delivery, url, simulate_failure)
            except Exception:  # the worker must survive anything a single delivery does
                logger.exception("callback delivery crashed")
            finally:
                with self._changed:
                    self._in_flight -= 1
                    self._changed.notify_all()

    def _attempt(self, delivery: _Delivery, url: str, simulate_failure: bool) -> None:
        delivery.attempts += 1
        t = int(time.time()) + SIGN_VALIDITY_S
        delivery.event["t"] = t
        delivery.event["sign"] = callback_sign(self._key, t)
        if not url:
            with self._changed:
                self._record(delivery, None, Outcome.SKIPPED, "no callback URL configured")
            return
        if simulate_failure:
            status, outcome, error = None, Outcome.SIMULATED_FAILURE, "failure simulated by fault injection"
        else:
            status, error = self._post(url, delivery.event)
            outcome = Outcome.DELIVERED if status == 200 else Outcome.FAILED
        with self._changed:
            if self._closed or delivery.generation != self._generation:
                return
            self._record(delivery, status, outcome, error)
            if outcome is Outcome.DELIVERED:
                rate = self._faults.duplicate_rate
                if not delivery.duplicate and rate and self._random.random() < rate:
                    copy = _Delivery(
                        event=dict(delivery.event), generation=delivery.generation, duplicate=True
                    )
                    self._schedule(copy, time.time())
                return
            max_attempts, interval = self._max_attempts, self._retry_interval_s
            if delivery.is_screenshot:
                max_attempts, interval = min(max_attempts, SCREENSHOT_MAX_ATTEMPTS), 2 * interval
            if delivery.attempts < max_attempts:
                self._schedule(delivery, time.time() + interval)
            else:
                logger.warning(
                    "callback event_type=%s abandoned after %d attempts (%s)",
                    delivery.event.get("event_type"),
                    delivery.attempts,
                    error or status,
                )

    def _post(self, url: str, body: dict[str, Any]) -> tuple[int | None, str]:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "cnr-emulator-css-callback"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                response.read()
                return response.status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, malformed URL
            return None, f"{type(exc).__name__}: {exc}"

    def _record(self, delivery: _Delivery, status: int | None, outcome: Outcome, error: str) -> None:
        self._history.append(
            DeliveryAttempt(
                event=dict(delivery.event),
                attempt=max(delivery.attempts, 1),
                status_code=status,
                at=time.time(),
                outcome=outcome,
                duplicate=delivery.duplicate,
                error=error,
            )
        )
