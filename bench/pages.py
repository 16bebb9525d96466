"""Benchmark: every list and overview page at 1,000 rooms / 100,000 recordings / 200,000 files.

    make bench-pages
    .venv/bin/python bench/pages.py --rooms 200 --sessions 10000 --files 20000 --requests 10   # a quick look

Creates its own PostgreSQL database (`--database-url`, default BENCH_PAGES_DATABASE_URL or the local server's
`cnr_bench_pages`; dropped first if it exists), migrates it and seeds it with COPY (bench/pages_seed.py). Then
it serves the console with gunicorn (DEBUG off, JSON logs at ERROR, the production WSGI application wrapped
by bench/pages_wsgi.py so that each answer says how many SQL statements it ran) and requests each page as the
role that uses it: a cold first request (empty cache, first use of the page's templates in the worker), then
`--requests` timed requests one after another, printing p50/p95 and the query count. The Tencent gateway points
at a closed loopback port (nothing leaves the machine; pages that ask Tencent show their "unavailable" note,
cached as in production). Its Redis database (`--redis-url`, default db 14) is the bench's own and is flushed
at the start. The database is dropped at the end unless `--keep`; `--reuse` measures a database a `--keep` run
left (migrated again, so new indexes apply; not seeded again) and keeps it.

Target (issue #15): p95 ≤ 150 ms and ≤ 12 queries on every page. Exits 1 when a page misses either.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cnr_bench_pages"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
TARGET_P95_MS = 150.0
TARGET_QUERIES = 12
TARGET_WHY = (
    "issue #15's target. 150 ms: a list page answers well inside the 0.2-0.3 s in which a click still feels "
    "immediate, leaving room for the network and the browser; it is a third of the slowest page measured before "
    "(480 ms). 12 queries: the fixed cost of a page (session, user, roles, messages, navigation) is 4-5, the "
    "rest is the page's rows, its count and its filter form, none of which needs more than a few."
)

OPERATOR, MANAGER, MODERATOR = "operator", "manager", "moderator"
PAGES: list[tuple[str, str]] = [
    (OPERATOR, "/"),
    (MANAGER, "/"),
    (MODERATOR, "/"),
    (OPERATOR, "/recordings/"),
    (OPERATOR, "/recordings/?state=completed"),
    (OPERATOR, "/recordings/?room=room-00042"),
    (OPERATOR, "/recordings/?page=200"),
    (OPERATOR, "/schedules/"),
    (OPERATOR, "/schedules/calendar/"),
    (OPERATOR, "/files/"),
    (OPERATOR, "/files/?format=mp4&sort=largest"),
    (OPERATOR, "/files/?room=room-00042"),
    (MODERATOR, "/files/"),
    (OPERATOR, "/files/storage/"),
    (OPERATOR, "/storage/"),
    (OPERATOR, "/rooms/"),
    (OPERATOR, "/rooms/?tag=Sports"),
    (OPERATOR, "/rooms/?q=arena"),
    (OPERATOR, "/apps/"),
    (OPERATOR, "/live/"),
    (OPERATOR, "/callbacks/events/"),
    (OPERATOR, "/tencent/calls/"),
    (OPERATOR, "/audit/"),
    (OPERATOR, "/webhooks/"),
    (OPERATOR, "/alerts/"),
    (OPERATOR, "/alerts/rules/"),
    (OPERATOR, "/alerts/channels/"),
    (OPERATOR, "/accounts/tokens/"),
    (MODERATOR, "/review/"),
    (MODERATOR, "/review/?tag=sports"),
    (MODERATOR, "/review/?claim=unclaimed&flag=black"),
    (MODERATOR, "/review/stats/"),
    (MANAGER, "/review/"),
    (MANAGER, "/costs/"),
    (MANAGER, "/costs/capacity/"),
    (MANAGER, "/costs/price-books/"),
    (MANAGER, "/costs/budgets/"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def admin_connection(database_url: str) -> tuple[str, str]:
    base, _, name = database_url.rpartition("/")
    return f"{base}/postgres", name


def recreate_database(database_url: str) -> None:
    import psycopg

    admin, name = admin_connection(database_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    import psycopg

    admin, name = admin_connection(database_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_environment(database_url: str, redis_url: str) -> dict[str, str]:
    closed = free_port()  # nothing listens there: Tencent calls fail at once, as with an unreachable cloud
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",  # a refused filter (400) and an unreachable Tencent are expected here
        "DB_CONN_MAX_AGE": "600",
        "TENCENT_API_ENDPOINT": f"127.0.0.1:{closed}",
        "COS_ENDPOINT": f"127.0.0.1:{closed}",
        "TENCENT_RETRY_ATTEMPTS": "0",
        "AXES_ENABLED": "0",
        # DEBUG off serves hashed static files from a manifest: collected once here, kept between runs.
        "STATIC_ROOT": str(ROOT / "var" / "bench-pages-static"),
    }


def start_gunicorn(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "pages_wsgi:application",
        "--pythonpath",
        f"{ROOT},{ROOT / 'bench'}",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited during start-up") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


@dataclass
class Result:
    role: str
    path: str
    status: int
    cold_ms: float
    times_ms: list[float]
    queries: int
    size: int
    cpu_ms: list[float]

    def percentile(self, share: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.times_ms if values is None else values)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")

    @property
    def ok(self) -> bool:
        return (
            self.status == 200 and self.percentile(0.95) <= TARGET_P95_MS and self.queries <= TARGET_QUERIES
        )


def fetch(port: int, path: str, cookie: str) -> tuple[int, float, int, int, float]:
    """(status, milliseconds, SQL statements, body bytes, the worker's CPU milliseconds) of one GET."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    began = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    queries = int(response.getheader("X-Bench-Queries") or -1)
    cpu = float(response.getheader("X-Bench-CPU-ms") or "nan")
    connection.close()
    return response.status, elapsed, queries, len(body), cpu


def measure(port: int, role: str, path: str, cookie: str, requests: int) -> Result:
    status, cold, queries, size, _ = fetch(port, path, cookie)
    times, cpu = [], []
    for _ in range(requests):
        status, elapsed, queries, size, used = fetch(port, path, cookie)
        times.append(elapsed)
        cpu.append(used)
    return Result(role, path, status, cold, times, queries, size, cpu)


def login_cookies(usernames: dict[str, str]) -> dict[str, str]:
    """A session cookie per role, made in the bench's own database session store (no login form, no axes)."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    cookies = {}
    for role, username in usernames.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return cookies


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page after the cold one")
    parser.add_argument(
        "--workers", type=int, default=1, help="gunicorn sync workers (requests are sequential)"
    )
    parser.add_argument("--only", default="", help="measure only the pages whose path contains this")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left (not seeded again; kept)"
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_PAGES_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()

    print(f"load average before: {load()}")
    env = server_environment(args.database_url, args.redis_url)
    os.environ.update({k: v for k, v in env.items() if k not in {"SECURE_SSL_REDIRECT"}})
    if not args.reuse:
        recreate_database(args.database_url)
    try:
        return run(args, env)
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)
            print(f"dropped database {admin_connection(args.database_url)[1]}")


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.utils import timezone
    from pages_seed import seed

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    if args.reuse:
        print(f"migrated in {migrated - began:.1f} s; reusing the data a --keep run seeded")
    else:
        counts = seed(rooms=args.rooms, sessions=args.sessions, files=args.files, now=timezone.now())
        print(
            f"migrated in {migrated - began:.1f} s, seeded in {time.perf_counter() - migrated:.1f} s: "
            + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        )
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()  # the bench's own Redis database: every page starts cold
    cookies = login_cookies(
        {OPERATOR: "bench-operator", MANAGER: "bench-manager", MODERATOR: "bench-moderator"}
    )
    port = free_port()
    server = start_gunicorn(port, args.workers, env)
    results: list[Result] = []
    try:
        for role, path in PAGES:
            if args.only and args.only not in path:
                continue
            results.append(measure(port, role, path, cookies[role], args.requests))
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    report(results, args)
    return 0 if all(r.ok for r in results) else 1


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\ngunicorn {args.workers} sync worker(s), DEBUG=0, PostgreSQL; {args.requests} sequential requests per "
        f"page after a cold one; {args.rooms:,} rooms, {args.sessions:,} recordings, {args.files:,} files"
    )
    print(f"target: p95 <= {TARGET_P95_MS:g} ms and <= {TARGET_QUERIES} queries per page - {TARGET_WHY}\n")
    print(
        "CPU = the gunicorn worker's CPU time per request (p50), the figure that depends least on the machine's "
        "load; PostgreSQL's time is in the wall times only.\n"
    )
    print(
        f"{'role':10} {'page':42} {'HTTP':>4} {'cold ms':>8} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} "
        f"{'queries':>7} {'kB':>5}"
    )
    for r in results:
        flag = "" if r.ok else "  MISSED"
        print(
            f"{r.role:10} {r.path[:42]:42} {r.status:>4} {r.cold_ms:8.0f} {r.percentile(0.5):7.1f} "
            f"{r.percentile(0.95):7.1f} {r.percentile(0.5, r.cpu_ms):7.1f} {r.queries:7d} {r.size / 1000:5.0f}{flag}"
        )
    missed = [r for r in results if not r.ok]
    worst = max(results, key=lambda r: r.percentile(0.95)) if results else None
    if worst is not None:
        print(
            f"\nslowest p95: {worst.path} as {worst.role}, {worst.percentile(0.95):.1f} ms; most queries: "
            f"{max(r.queries for r in results)}"
        )
    print(f"target met on {len(results) - len(missed)} of {len(results)} pages")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    sys.exit(main())
