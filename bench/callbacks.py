"""Benchmark: CSS callback ingest throughput through gunicorn + PostgreSQL, with zero lost or duplicated rows.

    make bench-callbacks                                  # 60 s, 4 gunicorn workers, 16 concurrent senders
    .venv/bin/python bench/callbacks.py --seconds 20 --workers 4 --senders 16

Starts gunicorn (the production WSGI server) on a free loopback port against its own PostgreSQL database and
posts signed callbacks for a sustained period, the way CSS does: every event type (push start/end, recording
files, screenshots, push anomalies, record status), plus retries of earlier events carrying a new t/sign (about
one request in six) and ends delivered before their starts. Then it counts what was stored: every distinct
event exactly once (lost = sent but missing, duplicated = stored twice), every retry counted as a duplicate
delivery, one push per (stream, sequence) and one file per FileId. Exits non-zero unless both are zero.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cnr_bench_callbacks"
# Arriving files queue their QA jobs here (nothing works them off during the bench).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
CALLBACK_KEY = "bench-callback-key"
CALLBACK_PATH = "/callbacks/css/"
RETRY_SHARE = 1 / 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(database_url: str) -> None:
    """Create the bench database if needed and migrate it (in this process, which then counts the rows)."""
    import psycopg

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def signed(payload: dict[str, Any]) -> bytes:
    t = int(time.time()) + 600
    sign = hashlib.md5(f"{CALLBACK_KEY}{t}".encode()).hexdigest()
    return json.dumps({**payload, "t": t, "sign": sign}).encode()


class EventSource:
    """Distinct CSS events of a run, each once, plus retries of events already sent (thread-safe)."""

    def __init__(self, run: str) -> None:
        self.run = run
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
        stream = f"bench-{self.run}-{n % 500}"
        now = int(time.time())
        kind = n % 6
        if kind == 0:  # a push whose end is delivered before its start (queued to go next)
            start = {
                "event_type": 1,
                "stream_id": stream,
                "sequence": f"{self.run}-{n}",
                "event_time": now - 5,
            }
            self._late.append(start)
            return {
                "event_type": 0,
                "stream_id": stream,
                "sequence": f"{self.run}-{n}",
                "event_time": now,
                "push_duration": 5000,
                "errmsg": "bench",
            }
        if kind == 1:
            return {"event_type": 1, "stream_id": stream, "sequence": f"{self.run}-{n}", "event_time": now}
        if kind == 2:
            return {
                "event_type": 100,
                "stream_id": stream,
                "file_id": f"{self.run}-{n}",
                "file_format": "mp4",
                "task_id": "",
                "end_time": now,
                "duration": 60,
                "file_size": 1_000_000,
                "video_url": f"http://vod.example.com/{self.run}/{n}.mp4",
                "callback_ext": '{"video_codec":"h264","resolution":"1280x720"}',
            }
        if kind == 3:
            return {
                "event_type": 200,
                "stream_id": stream,
                "create_time": now,
                "pic_url": f"/{self.run}/{n}.jpg",
                "pic_full_url": f"http://pics.example.com/{self.run}/{n}.jpg",
            }
        if kind == 4:
            return {
                "event_type": 321,
                "stream_id": stream,
                "sequence": f"{self.run}-{n}",
                "data_time": now * 1000,
                "abnormal_event": [{"type": 3, "count": 1, "detail": [{"occur_time": now * 1000}]}],
            }
        return {
            "event_type": 332,
            "stream_id": stream,
            "task_id": f"{self.run}-{n}",
            "record_event": "record_start_succeeded",
            "event_time": now,
        }

    @property
    def distinct(self) -> int:
        return self._counter


@dataclass
class Tally:
    requests: int = 0
    retries_sent: int = 0
    failures: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def sender(port: int, source: EventSource, deadline: float, max_requests: int, tally: Tally) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    while time.monotonic() < deadline:
        with tally.lock:
            if tally.requests >= max_requests:
                break
            tally.requests += 1
        event, is_retry = source.next()
        started = time.perf_counter()
        try:
            connection.request("POST", CALLBACK_PATH, body=signed(event), headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed_ms = (time.perf_counter() - started) * 1000
        with tally.lock:
            tally.latencies_ms.append(elapsed_ms)
            tally.retries_sent += is_retry and ok
            tally.failures += not ok
    connection.close()


def start_gunicorn(
    port: int, workers: int, threads: int, database_url: str, redis_url: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CSS_CALLBACK_KEY": CALLBACK_KEY,
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "dashboard.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--threads",
        str(threads),
        "--preload",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited during start-up") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


def warm_up(port: int, workers: int, run: str) -> None:
    """Load the app and open a database connection in every worker before the clock starts."""

    def one(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = signed({"event_type": -1, "stream_id": f"warmup-{run}", "n": n})
        connection.request("POST", CALLBACK_PATH, body=body, headers={"Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(workers * 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every process in gunicorn's process group (Linux /proc), 0 elsewhere."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ..., utime (11), stime (12)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def count_rows(run: str) -> dict[str, int]:
    from django.db.models import Count, Sum

    from recordings.models import CssCallbackEvent, RecordingFile, StreamPush

    events = CssCallbackEvent.objects.filter(stream_name__startswith=f"bench-{run}-")
    return {
        "events": events.count(),
        "duplicate_deliveries": events.aggregate(n=Sum("duplicates"))["n"] or 0,
        "failed": events.filter(state="failed").count(),
        "doubled_pushes": StreamPush.objects.filter(stream_name__startswith=f"bench-{run}-")
        .values("stream_name", "sequence")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "doubled_files": RecordingFile.objects.filter(stream_name__startswith=f"bench-{run}-")
        .values("file_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="sustained load duration (default 60)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread workers)")
    parser.add_argument("--senders", type=int, default=16, help="concurrent HTTP senders (default 16)")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="hard cap on requests")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()

    prepare_database(args.database_url)
    run = f"{int(time.time()):x}"
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads, args.database_url, args.redis_url)
    source = EventSource(run)
    tally = Tally()
    try:
        warm_up(port, args.workers, run)
        cpu_before = group_cpu_seconds(server.pid)
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(target=sender, args=(port, source, deadline, args.max_requests, tally))
            for _ in range(args.senders)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        cpu_per_request_ms = (group_cpu_seconds(server.pid) - cpu_before) * 1000 / max(tally.requests, 1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    rows = count_rows(run)
    lost = source.distinct - rows["events"]
    duplicated = max(rows["events"] - source.distinct, 0) + rows["doubled_pushes"] + rows["doubled_files"]
    latencies = sorted(tally.latencies_ms) or [0.0]
    server_kind = f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"
    print(
        f"CSS callback ingest: gunicorn {args.workers} {server_kind}, {args.senders} senders, {os.cpu_count()} CPUs"
    )
    print(
        f"  requests        {tally.requests} in {elapsed:.1f} s = {tally.requests / elapsed:.0f} requests/s"
    )
    print(
        f"  latency         p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms"
    )
    print(f"  server CPU      {cpu_per_request_ms:.1f} ms per request in gunicorn (PostgreSQL not included)")
    print(f"  non-200 answers {tally.failures}")
    print(
        f"  distinct events {source.distinct} sent, {rows['events']} stored, {rows['failed']} failed to apply"
    )
    print(
        f"  retries         {tally.retries_sent} sent, {rows['duplicate_deliveries']} counted as duplicates"
    )
    print(f"  lost rows       {lost}")
    print(f"  duplicated rows {duplicated}")
    healthy = lost == 0 and duplicated == 0 and tally.failures == 0 and rows["failed"] == 0
    healthy = healthy and rows["duplicate_deliveries"] == tally.retries_sent
    print("OK" if healthy else "FAILED")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
