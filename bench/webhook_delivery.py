"""Benchmark: outgoing webhooks — N events to five loopback endpoints, sent by real RQ workers.

    make bench-webhooks                    # 10,000 events, 2 RQ workers on the `webhooks` queue and the cron
    .venv/bin/python bench/webhook_delivery.py --events 500 --timeout 60

Runs what production runs: `rqworker webhooks` (the production worker class, forking a work horse per job) and
`rqcron webhooks.cron` with DEBUG=0 against PostgreSQL and Redis (its own database and Redis db, emptied first).
Five receivers on loopback, each checking every signature with its own HMAC code:

- three healthy ones answer 204 at once;
- a failing one answers 503 to the first attempt of every `webhook-id` and 204 to the retry (half its requests
  fail; each retry waits the production back-off, 2.5-5 s);
- a slow one answers after 2 s. Its lane holds WEBHOOKS_ENDPOINT_CONCURRENCY requests, so it takes at most
  4 / 2 s = 2 deliveries/s: it cannot take all N in a few minutes, and what it has not had yet stays pending in
  the database (counted, not lost).

The events are written through the outbox (`webhook_event_emit`, 50 per transaction, as a busy console would)
while the workers run. The bench waits until the healthy and the failing endpoints have every event (or
--timeout), stops the workers and prints:

- deliveries/s to the healthy endpoints, from their first to their last delivery, next to what a bare urllib3
  client with the same concurrency gets from the same receivers on this machine at this moment (the ceiling:
  no database, no signing, no worker);
- cold start: from the first event's commit to its first delivery (a worker picks the job up, opens connections);
- lost (an event an endpoint never got, or a delivery marked delivered that its receiver never answered 2xx) and
  events delivered twice under different ids: both must be 0;
- how long the slow endpoint delayed the others: the longest pause in deliveries to the healthy endpoints while
  they still had events to get (target: far below the slow endpoint's 2 s; a sender that waits for the slow
  endpoint shows pauses of about 2 s), and the number of pauses of 1 s or more.
Exits non-zero when anything was lost or doubled, a signature failed, or the run timed out.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cnr_bench_webhooks"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
SLOW_SECONDS = 2.0
STEADY_RATE = 20  # events/s in the steady phase
EMIT_BATCH = 50
PAUSE_REPORTED = 1.0
LOG = Path(tempfile.gettempdir()) / "cnr-bench-webhooks.log"  # the workers' and the cron's output


@dataclass
class Receiver:
    """A loopback endpoint (HTTP/1.1, keep-alive) recording what arrived, by webhook-id and by bench event."""

    name: str
    kind: str  # healthy | failing | slow
    secret: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    delivered_ids: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    ok_answers: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    arrivals: list[float] = field(default_factory=list)  # monotonic time of each 2xx answer
    first_arrival: dict[int, float] = field(default_factory=dict)  # bench event → its first 2xx answer
    requests: int = 0
    bad_signatures: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def verify(self, msg_id: str, timestamp: str, signatures: str, body: bytes) -> bool:
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        return "v1," + base64.b64encode(digest).decode() in signatures.split(" ")

    def handle(self, headers: Any, body: bytes) -> int:
        msg_id = headers.get("webhook-id", "")
        if msg_id.startswith("ceiling-"):  # the bare client's requests: answered, not counted
            return 204
        valid = self.verify(
            msg_id, headers.get("webhook-timestamp", ""), headers.get("webhook-signature", ""), body
        )
        if self.kind == "slow":
            time.sleep(SLOW_SECONDS)
        with self.lock:
            self.requests += 1
            self.bad_signatures += not valid
            self.attempts[msg_id] += 1
            status = 503 if self.kind == "failing" and self.attempts[msg_id] == 1 else 204
            if status == 204:
                number = json.loads(body)["data"]["n"]
                self.delivered_ids[number].add(msg_id)
                self.first_arrival.setdefault(number, time.monotonic())
                self.ok_answers[msg_id] += 1
                self.arrivals.append(time.monotonic())
        return status

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = receiver.handle(self.headers, body)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def distinct_delivered(self) -> int:
        with self.lock:
            return len(self.delivered_ids)


def prepare(database_url: str, redis_url: str) -> None:
    import psycopg

    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        NO_PROXY="127.0.0.1,localhost,::1",
        LOG_LEVEL="WARNING",
        WEBHOOKS_ALLOW_PRIVATE_URLS="1",
    )
    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def ceiling(receivers: list[Receiver], concurrency: int, seconds: float, body: str) -> float:
    """Requests/s of a bare urllib3 client, `concurrency` threads per receiver, keep-alive, no database."""
    import urllib3

    manager = urllib3.PoolManager(maxsize=concurrency)
    deadline = time.monotonic() + seconds
    counts: list[int] = []

    def run(url: str) -> None:
        n = 0
        head = {"content-type": "application/json", "webhook-id": "ceiling-x"}
        while time.monotonic() < deadline:
            manager.request("POST", url, body=body.encode(), headers=head, retries=False).read()
            n += 1
        counts.append(n)

    with ThreadPoolExecutor(len(receivers) * concurrency) as pool:
        for receiver in receivers:
            for _ in range(concurrency):
                pool.submit(run, receiver.url)
    return sum(counts) / seconds


def start_processes(workers: int, redis_url: str) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CSS_CALLBACK_KEY": "bench-callback-key",
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    commands = [
        [
            *manage,
            "rqworker",
            "webhooks",
            "--worker-class",  # what the README's deployment runs (in-process jobs)
            "dashboard.observability.rq_worker.SimpleWorker",
            "--name",
            f"bench-webhooks-{i}-{os.getpid()}",
        ]
        for i in range(workers)
    ]
    commands.append([*manage, "rqcron", "webhooks.cron"])
    log = LOG.open("ab")
    return [
        subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=log)
        for command in commands
    ]


def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    time.sleep(1)
    for process in processes:  # a second SIGTERM stops a worker at once, killing its work horse
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_workers(count: int, timeout: float) -> None:
    import django_rq
    from rq import Worker

    connection = django_rq.get_connection("webhooks")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(Worker.all(connection=connection)) >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"{count} RQ workers did not register within {timeout:.0f} s")


def pauses(arrivals: list[float]) -> list[tuple[float, float]]:
    """(length, offset from the first arrival) of every gap between consecutive arrivals, longest first."""
    times = sorted(arrivals)
    gaps = [(b - a, a - times[0]) for a, b in itertools.pairwise(times)]
    return sorted(gaps, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", "-n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="RQ workers on the webhooks queue (default 2)")
    parser.add_argument("--timeout", type=float, default=240.0, help="stop waiting after this many seconds")
    parser.add_argument("--steady-seconds", type=float, default=70.0, help="steady phase length (default 70)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()
    n = args.events
    load_before = os.getloadavg()

    prepare(args.database_url, args.redis_url)
    import django

    django.setup()
    import django_rq
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import transaction

    from webhooks import services
    from webhooks.events import webhook_event_emit
    from webhooks.models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent

    call_command("migrate", verbosity=0)
    django_rq.get_connection("webhooks").flushdb()  # the bench's own Redis db: queue, lock, cron
    WebhookEvent.objects.all().delete()
    WebhookEndpoint.objects.all().delete()
    actor, _ = User.objects.get_or_create(username="bench-webhooks")
    concurrency = int(settings.WEBHOOKS_ENDPOINT_CONCURRENCY)

    receivers = [Receiver(f"healthy-{i}", "healthy") for i in (1, 2, 3)]
    receivers += [Receiver("failing", "failing"), Receiver("slow", "slow")]
    endpoints = {}
    for receiver in receivers:
        receiver.start()
        data = services.EndpointInput(receiver.url, [], None, receiver.name, True)
        endpoint = services.endpoint_create(data=data, actor=actor)
        receiver.secret = endpoint.secret
        endpoints[receiver.name] = endpoint
    healthy = receivers[:3]
    failing, slow = receivers[3], receivers[4]

    sample = json.dumps(
        {"type": "file.created", "timestamp": "2026-01-01T00:00:00Z", "data": {"id": 1, "n": 1}}
    )
    ceiling_rate = ceiling(healthy, concurrency, 3.0, sample)

    LOG.unlink(missing_ok=True)
    processes = start_processes(args.workers, args.redis_url)
    timed_out = False
    try:
        wait_for_workers(args.workers, 60)
        emit_started = time.monotonic()
        first_commit: float | None = None
        for start in range(0, n, EMIT_BATCH):
            with transaction.atomic():
                for i in range(start, min(n, start + EMIT_BATCH)):
                    webhook_event_emit(EventType.FILE_CREATED, data={"id": i, "n": i, "bench": True})
            first_commit = first_commit or time.monotonic()
        emit_seconds = time.monotonic() - emit_started
        deadline = emit_started + args.timeout
        while time.monotonic() < deadline:
            if all(r.distinct_delivered() >= n for r in [*healthy, failing]):
                break
            time.sleep(0.25)
        else:
            timed_out = True
        finished = time.monotonic()
        # Steady phase: one event per transaction at a fixed rate for longer than a sender slice (60 s), so a
        # slice ends while the slow endpoint has requests in flight; each event's commit-to-delivery time.
        committed: dict[int, float] = {}
        trickle_end = time.monotonic() + args.steady_seconds
        i = n
        while not timed_out and time.monotonic() < trickle_end:
            with transaction.atomic():
                webhook_event_emit(EventType.FILE_CREATED, data={"id": i, "n": i, "bench": True})
            committed[i] = time.monotonic()
            i += 1
            time.sleep(max(0.0, committed[i - 1] + 1 / STEADY_RATE - time.monotonic()))
        settle = time.monotonic() + 15
        while time.monotonic() < settle and not all(
            r.distinct_delivered() >= n + len(committed) for r in healthy
        ):
            time.sleep(0.25)
    finally:
        stop_processes(processes)
    load_after = os.getloadavg()

    assert first_commit is not None
    healthy_arrivals = sorted(t for r in healthy for k, t in r.first_arrival.items() if k < n)
    first, last = healthy_arrivals[0], healthy_arrivals[-1]
    rate = len(healthy_arrivals) / max(last - first, 1e-9)
    gaps = pauses(healthy_arrivals)
    longest, at = gaps[0] if gaps else (0.0, 0.0)
    long_pauses = [g for g in gaps if g[0] >= PAUSE_REPORTED]

    rows = {
        name: dict(
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .values_list("state")
            .annotate(n=django.db.models.Count("id"))
        )
        for name, endpoint in endpoints.items()
    }
    delivered_uids = {
        name: set(
            WebhookDelivery.objects.filter(endpoint=endpoint, state=DeliveryState.DELIVERED).values_list(
                "event__uid", flat=True
            )
        )
        for name, endpoint in endpoints.items()
    }
    lost = doubled = same_id_twice = bad = 0
    for receiver in receivers:
        answered_ok = set(receiver.ok_answers)
        lost += len(delivered_uids[receiver.name] - answered_ok)  # marked delivered, never answered 2xx
        if receiver.kind != "slow":
            lost += n - sum(1 for k in receiver.delivered_ids if k < n)  # the steady phase's: below
        else:
            states = rows[receiver.name]
            # Rows, not answers: a request answered while the bench stopped the workers is still pending.
            total = n + len(committed)
            lost += max(
                0, total - states.get(DeliveryState.DELIVERED, 0) - states.get(DeliveryState.PENDING, 0)
            )
        doubled += sum(1 for ids in receiver.delivered_ids.values() if len(ids) > 1)
        same_id_twice += sum(c - 1 for c in receiver.ok_answers.values() if c > 1)
        bad += receiver.bad_signatures
    slow_done = len(slow.delivered_ids)
    slow_window = max((max(slow.arrivals) - min(slow.arrivals)) if len(slow.arrivals) > 1 else 0.0, 1e-9)

    print(
        f"Outgoing webhooks: {n} events to 5 loopback endpoints (3 healthy, 1 failing half its requests, "
        f"1 answering after {SLOW_SECONDS:.0f} s); {args.workers} RQ workers (`rqworker webhooks`) + rqcron, "
        f"DEBUG=0, PostgreSQL; {concurrency} requests in flight per endpoint"
    )
    print(
        f"  load average    {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} CPUs"
    )
    print(f"  events written  {n} through the outbox in {emit_seconds:.1f} s ({EMIT_BATCH} per transaction)")
    print(f"  cold start      first delivery {first - first_commit:.2f} s after the first commit")
    print(
        f"  healthy         {len(healthy_arrivals)} deliveries in {last - first:.1f} s = {rate:.0f} deliveries/s "
        f"(bare urllib3 client, same receivers and concurrency, no database: {ceiling_rate:.0f} requests/s, "
        f"ratio {rate / ceiling_rate:.2f})"
    )
    print(
        f"  failing         {sum(1 for k in failing.delivered_ids if k < n)} of {n} delivered in {failing.requests} requests over both phases "
        f"({failing.requests - len(failing.ok_answers)} answered 503), each retry with the same webhook-id"
    )
    print(
        f"  slow            {slow_done} delivered at {len(slow.arrivals) / slow_window:.1f}/s "
        f"(its lane's bound: {concurrency} in flight / {SLOW_SECONDS:.0f} s = {concurrency / SLOW_SECONDS:.0f}/s); "
        f"{rows['slow'].get(DeliveryState.PENDING, 0)} still pending in the database when the bench stopped"
    )
    print(
        f"  slow's delay    longest pause in deliveries to the healthy endpoints {longest * 1000:.0f} ms "
        f"(at +{at:.1f} s); pauses >= {PAUSE_REPORTED:.0f} s: {len(long_pauses)} "
        f"(a sender waiting for the slow endpoint pauses about {SLOW_SECONDS:.0f} s)"
    )
    latencies = sorted(
        r.first_arrival[k] - at for r in healthy for k, at in committed.items() if k in r.first_arrival
    )
    missing = sum(1 for r in healthy for k in committed if k not in r.first_arrival)
    if latencies:
        print(
            f"  steady phase    {len(committed)} more events at {STEADY_RATE}/s for {args.steady_seconds:.0f} s "
            f"(a sender slice ends within it, the slow endpoint busy throughout): commit to delivery at the "
            f"healthy endpoints p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
            f"{missing} not delivered within 15 s"
        )
    lost += missing
    print(f"  bad signatures  {bad}")
    print(f"  lost            {lost}")
    print(f"  delivered twice with different ids {doubled}; same id answered 2xx twice {same_id_twice}")
    print(
        f"  burst phase     {finished - emit_started:.1f} s from the first event to the last delivery it waits for{' (TIMED OUT)' if timed_out else ''}"
    )
    ok = not timed_out and lost == 0 and doubled == 0 and bad == 0
    if not ok:
        print(f"  worker and cron output: {LOG}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
