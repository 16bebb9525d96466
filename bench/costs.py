"""Benchmark: the monthly cost report for 1,000 rooms and 50,000 sessions, computed and rendered.

    make bench-costs                     # 1,000 rooms, 50,000 sessions in October 2026
    .venv/bin/python bench/costs.py --rooms 200 --sessions 5000

Seeds a throwaway PostgreSQL database (`--database-url`, default BENCH_DATABASE_URL or the local server's
`cnr_bench`; re-seeded on every run), then times the report page (GET /costs/ as a manager, through the whole
Django stack: the session rows query, the estimator twice — as planned and as ran — charts and template)
and prints each phase. Tencent's usage figures come from the cache as on any page view after the first
(the first view asks the gateway; that is left out, the bench has no cloud). Target: under 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cnr_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
MONTH = date(2026, 10, 1)
APPS = 20
TARGET_SECONDS = 1.0
T = TypeVar("T")


def prepare_environment(database_url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database_url.startswith("postgres"):
        import psycopg

        base, _, name = database_url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')


def seed(rooms: int, sessions: int) -> None:
    """Apps of every spec, `rooms` rooms, `sessions` completed sessions of 30 min to 3 h spread over the
    month (a quarter planned longer than they ran), one MP4 file each and an HLS one for a fifth."""
    from django.db import connection

    from billing.estimator.timeline import BILLING_TZ
    from recordings.models import ClientApp, RecordingFile, RecordingSession, Room
    from recordings.sessions.lifecycle import SessionState, Trigger

    RecordingFile.objects.filter(room__client_app__name__startswith="costs-").delete()
    RecordingSession.objects.filter(room__client_app__name__startswith="costs-").delete()
    Room.objects.filter(client_app__name__startswith="costs-").delete()
    ClientApp.objects.filter(name__startswith="costs-").delete()
    rng = random.Random(7)
    apps = ClientApp.objects.bulk_create(
        ClientApp(
            name=f"costs-{i:02d}",
            kind="APK",
            car_project_id="cap-costs0001",
            concurrency_spec=("S", "M", "L", "CPU4")[i % 4],
            bitrate_kbps=rng.choice([4000, 6000, 8000]),
        )
        for i in range(APPS)
    )
    room_rows = Room.objects.bulk_create(
        Room(
            name=f"Costs room {i:04d}",
            room_key=f"costs-{i}",
            stream_name=f"costs-{i}",
            client_app=apps[i % APPS],
        )
        for i in range(rooms)
    )
    first = datetime.combine(MONTH, datetime.min.time(), tzinfo=BILLING_TZ)
    month_seconds = 31 * 86_400 - 4 * 3600
    new_sessions = []
    for _ in range(sessions):
        start = first + timedelta(seconds=rng.randrange(month_seconds))
        ran = timedelta(minutes=rng.randrange(30, 180))
        planned = ran + timedelta(minutes=30) if rng.random() < 0.25 else ran
        new_sessions.append(
            RecordingSession(
                room=rng.choice(room_rows),
                trigger=Trigger.SCHEDULE,
                state=SessionState.COMPLETED,
                state_changed_at=start + ran,
                planned_start=start,
                planned_end=start + planned,
                car_project_id="cap-costs0001",
                concurrency_applied_at=start,
                ended_at=start + ran,
            )
        )
    created = RecordingSession.objects.bulk_create(new_sessions, batch_size=5000)
    files = []
    for session in created:
        for file_format in ("mp4", "hls") if session.pk % 5 == 0 else ("mp4",):
            files.append(
                RecordingFile(
                    session=session,
                    room=session.room,
                    storage="vod",
                    file_id=f"costs{session.pk}{file_format}",
                    format=file_format,
                    content_start=session.planned_start,
                    content_end=session.state_changed_at,
                    stream_name=session.room.stream_name,
                )
            )
    RecordingFile.objects.bulk_create(files, batch_size=5000)
    with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum keeps them in production
        cursor.execute("ANALYZE")


def timed(action: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    """Median wall-clock and CPU seconds of `repeat` runs (CPU time shows the cost on a busy machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (the median is printed)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()
    prepare_environment(args.database_url, args.redis_url)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from billing.report_data import UsageResult, cost_report, session_columns
    from billing.views.reports import charts
    from dashboard.access import Role

    setup_test_environment()  # the test client, without touching the database
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    seed(args.rooms, args.sessions)
    print(f"seeded {args.rooms} rooms and {args.sessions} sessions in {time.perf_counter() - began:.1f} s")

    cache.set(f"billing:usage:{MONTH:%Y-%m}", UsageResult(None, "The benchmark has no cloud."), 3600)
    user, _ = User.objects.get_or_create(username="costs-bench-manager")
    user.groups.add(Group.objects.get_or_create(name=Role.MANAGER.value)[0])
    client = Client()
    client.force_login(user)
    now = timezone.now()
    usage = UsageResult(None, "")

    query = timed(lambda: session_columns(MONTH), args.repeat)
    compute = timed(lambda: cost_report(month=MONTH, now=now), args.repeat)
    drawn = timed(lambda: charts(compute[2], usage), args.repeat)
    client.get(f"/costs/?month={MONTH:%Y-%m}")  # warm: template loading, plotly imports
    page = timed(lambda: client.get(f"/costs/?month={MONTH:%Y-%m}"), args.repeat)
    response = page[2]

    print(
        f"sessions in the month: {len(query[2].states)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print("                                   wall      CPU")
    for name, (wall, cpu, _) in [
        ("session rows query", query),
        ("report (queries + estimator x2)", compute),
        ("four charts", drawn),
        ("page GET /costs/ (everything)", page),
    ]:
        print(f"{name:32} {wall * 1000:6.0f} ms {cpu * 1000:6.0f} ms")
    ok = response.status_code == 200 and page[0] < TARGET_SECONDS
    print(
        f"HTTP {response.status_code}, {len(response.content) / 1000:.0f} kB; target < {TARGET_SECONDS:g} s: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
