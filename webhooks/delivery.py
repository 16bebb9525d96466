"""Delivering webhooks: fan events out into deliveries, then send due deliveries in per-endpoint lanes.

One `pump` (an RQ job on the `webhooks` queue, also run every few seconds by the cron, see webhooks/jobs.py) sends
for every endpoint at once: each endpoint is a lane with its own buffer of claimed deliveries and at most
WEBHOOKS_ENDPOINT_CONCURRENCY requests in flight on a shared thread pool. A slow endpoint fills only its own lane
(its requests wait in their threads, up to the 10 s timeout), so the others' requests keep going at their own pace;
a failing endpoint's deliveries are rescheduled with back-off and leave the lane at once.

The database is the source of truth. A delivery is claimed by pushing its `next_attempt_at` ahead (under a row lock),
so two pumps never send the same one at once, and a pump that dies leaves claims that lapse and are sent again
(with the same `webhook-id`: receivers dedupe by it).
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone

from webhooks import services
from webhooks.models import (
    DeliveryState,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.signing import headers
from webhooks.urlsafety import GuardedPoolManager

logger = logging.getLogger(__name__)

CLAIM = timedelta(seconds=120)
RESPONSE_START = 500
DISPATCH_BATCH = 1000
# How often a run looks for new events, and for endpoints with work due (retries whose time came).
SCAN_SECONDS = 0.5
DISPATCH_SECONDS = 0.1
# A lane claims about this many seconds of its work at a time, at most LANE_BUFFER_ROUNDS rounds of requests.
BUFFER_SECONDS = 2.0
LANE_BUFFER_ROUNDS = 16


def conf(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def update_rows(model: type[Model], rows: list[Any], fields: list[str]) -> None:
    """`bulk_update` in one `UPDATE … FROM (VALUES …)` on PostgreSQL: Django's CASE WHEN form costs the sender
    most of its CPU at a few hundred rows a second."""
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, fields)  # type: ignore[attr-defined]
        return
    meta = model._meta
    columns = [meta.pk.column] + [meta.get_field(f).column for f in fields]  # type: ignore[union-attr]
    types = [meta.pk.db_type(connection)] + [meta.get_field(f).db_type(connection) for f in fields]  # type: ignore[union-attr]
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        row_sql = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
        params = [value for row in chunk for value in [row.pk, *(getattr(row, f) for f in fields)]]
        sets = ", ".join(f'"{c}" = v."{c}"' for c in columns[1:])
        names = ", ".join(f'"{c}"' for c in columns)
        sql = (
            f'UPDATE "{meta.db_table}" AS t SET {sets} FROM (VALUES {", ".join([row_sql] * len(chunk))}) '
            f'AS v({names}) WHERE t."{columns[0]}" = v."{columns[0]}"'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


# --- fan-out -------------------------------------------------------------------------------------------------


def render_body(event: WebhookEvent) -> str:
    data = event.data
    if event.type == EventType.RECORDING_COMPLETED and data.get("files"):
        data = {**data, "files": signed_files(data["files"])}
    body = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "sequence": event.sequence,
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def signed_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from recordings.media.services.files import signed_url
    from recordings.models import RecordingFile
    from tencent.errors import TencentError

    rows = RecordingFile.objects.in_bulk([f["id"] for f in files])
    out = []
    for item in files:
        row = rows.get(item["id"])
        signed = None
        if row is not None and not row.is_deleted:
            try:
                signed = signed_url(row)
            except TencentError:
                logger.warning("No signed URL for file %s in a webhook", row.pk)
        out.append(
            {
                **item,
                "signed_url": signed.url if signed else None,
                "signed_url_expires_at": signed.expires_at.isoformat() if signed else None,
            }
        )
    return out


def dispatch_events(*, limit: int = DISPATCH_BATCH) -> int:
    """Number the new events per recording, freeze their bodies and create one delivery per wanting endpoint."""
    now = timezone.now()
    with transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update().filter(dispatched_at__isnull=True).order_by("id")[:limit]
        )
        if not events:
            return 0
        endpoints = list(WebhookEndpoint.objects.filter(active=True))
        sessions = {e.session_id for e in events if e.session_id is not None}
        last = dict(
            WebhookEvent.objects.filter(session_id__in=sessions, sequence__isnull=False)
            .values("session_id")
            .annotate(top=Max("sequence"))
            .values_list("session_id", "top")
        )
        deliveries = []
        for event in events:
            if event.session_id is not None:
                last[event.session_id] = event.sequence = (last.get(event.session_id) or 0) + 1
            event.body = render_body(event)
            event.dispatched_at = now
            deliveries += [
                WebhookDelivery(endpoint=ep, event=event, next_attempt_at=now)
                for ep in endpoints
                if ep.wants(event)
            ]
        update_rows(WebhookEvent, events, ["sequence", "body", "dispatched_at"])
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
    return len(events)


# --- sending -------------------------------------------------------------------------------------------------


@dataclass
class Result:
    status: int | None
    duration_ms: int
    response_start: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def send(manager: urllib3.PoolManager, url: str, head: dict[str, str], body: str) -> Result:
    """POST once: no redirects followed (a 3xx is a failure), at most WEBHOOKS_TIMEOUT_SECONDS."""
    started = time.monotonic()
    timeout = float(conf("WEBHOOKS_TIMEOUT_SECONDS", 10))
    try:
        response = manager.request(
            "POST",
            url,
            body=body.encode(),
            headers=head,
            timeout=urllib3.Timeout(total=timeout),
            retries=False,
            redirect=False,
            preload_content=False,
        )
        start = response.read(RESPONSE_START)
        response.release_conn() if not response.read(1) else response.close()
        text = start.decode("utf-8", "replace")
        return Result(response.status, _ms(started), text)
    except urllib3.exceptions.HTTPError as exc:
        return Result(None, _ms(started), error=_error_text(exc))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _error_text(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "timed out" in text.lower():
        return "Timed out."
    return text[:300]


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: half the step fixed, half random (so retries of many deliveries spread)."""
    base = float(conf("WEBHOOKS_RETRY_BASE_SECONDS", 5))
    cap = float(conf("WEBHOOKS_RETRY_MAX_SECONDS", 6 * 3600))
    step = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=step / 2 + random.uniform(0, step / 2))


@dataclass
class Claimed:
    delivery_id: int
    endpoint_id: int
    uid: str
    body: str
    attempts: int
    first_attempt_at: datetime | None


@dataclass
class Lane:
    endpoint: WebhookEndpoint
    manager: urllib3.PoolManager
    buffer: deque[Claimed] = field(default_factory=deque)
    # Requests in flight: delivery id → when it was started (monotonic).
    in_flight: dict[int, float] = field(default_factory=dict)
    # Recent request duration (moving average, seconds): sizes the buffer and decides who runs while a slice ends.
    typical: float = 0.0

    def buffer_target(self, per_endpoint: int) -> int:
        """Claim about BUFFER_SECONDS of work: a fast lane never waits for the main loop, a slow one claims
        little (a claimed row must be sent long before its claim lapses)."""
        rounds = BUFFER_SECONDS / max(self.typical, 0.01)
        return per_endpoint * max(1, min(LANE_BUFFER_ROUNDS, int(rounds)))


@dataclass
class PumpReport:
    sent: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    dispatched: int = 0


def claim(endpoint_id: int, count: int, now: datetime) -> list[Claimed]:
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(endpoint_id=endpoint_id, state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:count]
        )
        if not ids:
            return []
        WebhookDelivery.objects.filter(id__in=ids).update(next_attempt_at=now + CLAIM)
    rows = WebhookDelivery.objects.filter(id__in=ids).select_related("event").order_by("id")
    return [
        Claimed(d.pk, d.endpoint_id, d.event.uid, d.event.body, d.attempts, d.first_attempt_at) for d in rows
    ]


def secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        keys.append(endpoint.previous_secret)
    return keys


Outcome = tuple[Claimed, datetime, Result]


def attempt(lane: Lane, item: Claimed) -> Outcome:
    at = timezone.now()
    try:
        head = headers(item.uid, at, item.body, secrets_in_use(lane.endpoint, at))
        return item, at, send(lane.manager, lane.endpoint.url, head, item.body)
    except Exception as exc:  # recorded as a failed attempt (and retried), never a claim left to lapse
        logger.exception("Webhook attempt to %s failed unexpectedly", lane.endpoint.url)
        return item, at, Result(None, 0, error=f"{type(exc).__name__}: {exc}"[:300])


class Pump:
    """One run of the sender: lanes per endpoint on one thread pool, until idle or the time slice is used.

    A lane starts its next request as soon as one of its own ends (in the sender thread, not the main loop), so
    its pace is the endpoint's. The main loop claims work, writes outcomes in batches and ends the run.

    Ending a slice never holds up a fast lane behind a slow one: the requests in flight when the slice ends are
    its *tail*, and until the tail is done every lane keeps sending requests it can expect to finish before the
    tail does (by its recent request time). A slow endpoint's lane stops, the fast ones go on; once the tail is in,
    only requests started moments ago to fast endpoints are left to wait for.
    """

    def __init__(self) -> None:
        self.per_endpoint = max(1, int(conf("WEBHOOKS_ENDPOINT_CONCURRENCY", 4)))
        self.timeout = float(conf("WEBHOOKS_TIMEOUT_SECONDS", 10))
        self.pool = ThreadPoolExecutor(max_workers=int(conf("WEBHOOKS_SENDER_THREADS", 32)))
        self.lanes: dict[int, Lane] = {}
        self.due: set[int] = set()
        self.lock = threading.Lock()  # lanes' buffers and in-flight maps, the tail, `closing`
        self.outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self.tail: dict[int, tuple[Lane, float]] | None = None  # set when the slice ends
        self.closing = False  # the tail is done (or the run stops): nothing new starts
        self.report = PumpReport()

    def run(self, *, slice_seconds: float, idle_seconds: float = 1.0) -> PumpReport:
        started = time.monotonic()
        idle_since: float | None = None
        next_scan = next_dispatch = started
        try:
            while True:
                now = time.monotonic()
                if self.tail is None and now - started >= slice_seconds:
                    self.end_slice()
                dispatched = 0
                if not self.closing and now >= next_dispatch:
                    next_dispatch = now + DISPATCH_SECONDS
                    dispatched = dispatch_events()
                    self.report.dispatched += dispatched
                scan = not self.closing and (now >= next_scan or dispatched > 0)
                if scan:
                    next_scan = now + SCAN_SECONDS
                if not self.closing:
                    self.fill(scan=scan)
                batch = self.collect(wait=0.05)
                if batch:
                    self.record(batch)
                with self.lock:
                    if self.tail is not None and not self.tail:
                        self.closing = True
                    for lane in self.lanes.values():
                        self.start(lane)
                    busy = self.outstanding() > 0
                    buffered = any(lane.buffer for lane in self.lanes.values() if lane.endpoint.active)
                if busy or batch:
                    idle_since = None
                    continue
                if self.closing:
                    break
                if buffered:
                    continue
                idle_since = idle_since or now
                if now - idle_since >= idle_seconds:
                    break
        finally:
            with self.lock:
                self.closing = True
            self.pool.shutdown(wait=True)
            left = self.collect(wait=0)
            if left:
                self.record(left)
            self.release_buffers()
        return self.report

    def outstanding(self) -> int:
        """Requests started and not yet written (lock held)."""
        return sum(len(lane.in_flight) for lane in self.lanes.values())

    def end_slice(self) -> None:
        with self.lock:
            self.tail = {
                delivery_id: (lane, at)
                for lane in self.lanes.values()
                for delivery_id, at in lane.in_flight.items()
            }
            if not self.tail:
                self.closing = True

    def may_start(self, lane: Lane, now: float) -> bool:
        """Lock held. While a slice ends, only requests expected to finish before the tail's last one."""
        if self.closing or not lane.endpoint.active:
            return False
        if self.tail is None:
            return True
        tail_end = max(
            at + other.typical if at + other.typical > now else at + self.timeout
            for other, at in self.tail.values()
        )
        return now + lane.typical < tail_end

    def start(self, lane: Lane) -> None:
        """Lock held: start buffered requests while the lane has room."""
        now = time.monotonic()
        while lane.buffer and len(lane.in_flight) < self.per_endpoint and self.may_start(lane, now):
            item = lane.buffer.popleft()
            lane.in_flight[item.delivery_id] = now
            self.pool.submit(self.send_one, lane, item)

    def send_one(self, lane: Lane, item: Claimed) -> None:
        outcome = attempt(lane, item)
        with self.lock:
            self.outcomes.put(outcome)
            self.start_after(lane, item)

    def start_after(self, lane: Lane, item: Claimed) -> None:
        """Lock held: the request ended; the lane's next one starts at once."""
        lane.in_flight.pop(item.delivery_id, None)
        if self.tail is not None:
            self.tail.pop(item.delivery_id, None)
        self.start(lane)

    def collect(self, *, wait: float) -> list[Outcome]:
        out: list[Outcome] = []
        try:
            out.append(self.outcomes.get(timeout=wait) if wait else self.outcomes.get_nowait())
            while True:
                out.append(self.outcomes.get_nowait())
        except queue.Empty:
            return out

    def fill(self, *, scan: bool) -> None:
        """Claim work for lanes whose buffer runs low (`scan`: first look which endpoints have work due)."""
        now = timezone.now()
        if scan:
            self.due = set(
                WebhookDelivery.objects.filter(
                    state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__active=True
                )
                .values_list("endpoint_id", flat=True)
                .distinct()
            )
            missing = self.due - set(self.lanes)
            for endpoint in WebhookEndpoint.objects.filter(pk__in=missing, active=True):
                self.lanes[endpoint.pk] = Lane(endpoint, GuardedPoolManager(maxsize=self.per_endpoint))
        for endpoint_id in list(self.due):
            lane = self.lanes.get(endpoint_id)
            if lane is None:
                continue
            with self.lock:
                target = lane.buffer_target(self.per_endpoint)
                wanted = len(lane.buffer) < max(self.per_endpoint, target // 2) and self.may_start(
                    lane, time.monotonic()
                )
                want = target - len(lane.buffer)
            if not wanted:
                continue
            items = claim(endpoint_id, want, now)
            if len(items) < want:
                self.due.discard(endpoint_id)  # nothing more due there until the next scan
            with self.lock:
                lane.buffer.extend(items)
                self.start(lane)

    def record(self, results: list[Outcome]) -> None:
        """Write the attempts and the deliveries' new state in a few statements, then the endpoints' health."""
        attempts, updates = [], []
        health: dict[int, list[tuple[datetime, Result]]] = defaultdict(list)
        for item, at, result in results:
            attempts.append(
                WebhookAttempt(
                    delivery_id=item.delivery_id,
                    at=at,
                    duration_ms=result.duration_ms,
                    status_code=result.status,
                    ok=result.ok,
                    response_start=result.response_start,
                    error=result.error,
                )
            )
            updates.append(self.next_state(item, at, result))
            lane = self.lanes[item.endpoint_id]
            seconds = result.duration_ms / 1000
            lane.typical = seconds if not lane.typical else 0.7 * lane.typical + 0.3 * seconds
            health[item.endpoint_id].append((at, result))
            self.report.sent += 1
            self.report.delivered += result.ok
            self.report.failed_attempts += not result.ok
        with transaction.atomic():
            WebhookAttempt.objects.bulk_create(attempts)
            update_rows(
                WebhookDelivery,
                updates,
                [
                    "state",
                    "attempts",
                    "next_attempt_at",
                    "first_attempt_at",
                    "last_attempt_at",
                    "delivered_at",
                    "last_status_code",
                ],
            )
        for endpoint_id, outcomes in health.items():
            self.endpoint_health(self.lanes[endpoint_id], outcomes)

    def next_state(self, item: Claimed, at: datetime, result: Result) -> WebhookDelivery:
        first = item.first_attempt_at or at
        delivery = WebhookDelivery(
            pk=item.delivery_id,
            attempts=item.attempts + 1,
            first_attempt_at=first,
            last_attempt_at=at,
            last_status_code=result.status,
            delivered_at=None,
        )
        retry_for = timedelta(seconds=float(conf("WEBHOOKS_RETRY_FOR_SECONDS", 24 * 3600)))
        if result.ok:
            delivery.state, delivery.delivered_at, delivery.next_attempt_at = (
                DeliveryState.DELIVERED,
                at,
                None,
            )
        elif result.status == 410 or at - first >= retry_for:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
        else:
            delivery.state = DeliveryState.PENDING
            delivery.next_attempt_at = at + retry_delay(delivery.attempts)
        return delivery

    def endpoint_health(self, lane: Lane, outcomes: list[tuple[datetime, Result]]) -> None:
        endpoint = lane.endpoint
        gone = [at for at, r in outcomes if r.status == 410]
        if gone:
            services.endpoint_disable(
                endpoint=endpoint, reason="The endpoint answered 410 Gone.", at=gone[0], alert=False
            )
            return
        if any(r.ok for _, r in outcomes):
            if endpoint.failing_since is not None:
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
                endpoint.failing_since = None
            return
        first_failure = min(at for at, _ in outcomes)
        if endpoint.failing_since is None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
                failing_since=first_failure
            )
            endpoint.failing_since = first_failure
            return
        limit = timedelta(seconds=float(conf("WEBHOOKS_DISABLE_AFTER_SECONDS", 3 * 86400)))
        if first_failure - endpoint.failing_since >= limit:
            services.endpoint_disable(
                endpoint=endpoint,
                reason=f"Every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC.",
                at=first_failure,
                alert=True,
            )

    def release_buffers(self) -> None:
        """Claimed but never sent (the slice ended, the endpoint was disabled): due again at once."""
        ids = [item.delivery_id for lane in self.lanes.values() for item in lane.buffer]
        if ids:
            WebhookDelivery.objects.filter(id__in=ids, state=DeliveryState.PENDING).update(
                next_attempt_at=timezone.now()
            )
