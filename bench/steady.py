"""Benchmark: what the console itself costs while 1,000 recordings are live (steady state).

    make bench-steady                                   # 1,000 live recordings, measured for 10 minutes
    STEADY_SECONDS=120 .venv/bin/python bench/steady.py --recordings 200   # a quick check

Runs the production deployment of README "Scaling out" against the emulator, with DEBUG=0 and JSON logs at
WARNING: gunicorn (2 sync workers, taking CSS's callbacks), 2 RQ workers of README's class on every queue
(one with the scheduler) and the RQ cron process (`rqcron recordings.cron`: the tick, reconciliation, file sync,
push reconciliation, alerts, webhooks, usage refresh), on its own PostgreSQL database and Redis db (dropped and
emptied). The emulator runs in this process with light pushes (`EMULATOR_PUSH_MEDIA=light`: every push's state,
API answers, rate limits, samples and push callbacks, without an ffmpeg encoder; 1,000 encoders do not fit on
one machine) and no screenshot template (the console's cloud setup binds none).

It starts N recordings through the orchestration, waits until all are `recording`, then measures for
STEADY_SECONDS (default 600): the CPU time of every console process (gunicorn, workers and their work horses,
cron: utime + stime of each process and its reaped children, from /proc) and the rows PostgreSQL wrote to the
console's database (pg_stat_database: inserted + updated + deleted), per live recording per minute, against the
target: the console's CPU in total at most 2 % of one core. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cnr_bench_steady"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
TARGET_CORE_SHARE = 0.02
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and of its children it has reaped (RQ's forked work horses)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


def process_tree(root: int) -> list[int]:
    """The process and every descendant alive now (gunicorn's workers, a worker's scheduler process)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def console_cpu(roots: list[int]) -> float:
    return sum(cpu_seconds(pid) for root in roots for pid in process_tree(root))


def database_writes(database_url: str) -> int:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute("SELECT pg_stat_clear_snapshot()")
        row = connection.execute(
            "SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return int(row[0]) if row else 0


def job_cpu(redis: Any) -> dict[str, tuple[float, int]]:
    """CPU seconds and runs per job function so far, from bench/steady_worker.py's Redis hashes."""
    # Imported by name, the way rqworker's --worker-class loads it: a static import would make mypy see the file
    # twice (as `steady_worker`, bench/ having no __init__.py, and as `bench.steady_worker`).
    worker = importlib.import_module("bench.steady_worker")
    cpu, runs = redis.hgetall(worker.CPU_KEY), redis.hgetall(worker.RUNS_KEY)
    return {name.decode(): (float(cpu[name]), int(runs.get(name, 0))) for name in cpu}


def print_job_cpu(
    before: dict[str, tuple[float, int]], after: dict[str, tuple[float, int]], span: float
) -> None:
    rows = []
    for name, (cpu, runs) in after.items():
        cpu0, runs0 = before.get(name, (0.0, 0))
        if runs > runs0:
            rows.append((cpu - cpu0, runs - runs0, name))
    if not rows:
        return
    print(
        "RQ jobs in the span (the worker thread's CPU over RQ's perform_job: the job and RQ's own work around it; "
        "the workers' idle loops, wake-up threads and the cron process are in the total only):"
    )
    for cpu, runs, name in sorted(rows, reverse=True):
        print(
            f"  {name:<55} {runs:>5} runs {cpu:7.2f} CPU-s  {cpu * 1000 / runs:8.1f} ms/run  "
            f"{cpu / span:6.2%} of a core"
        )
    total = sum(cpu for cpu, _runs, _name in rows)
    print(
        f"  {'all jobs':<55} {sum(r for _c, r, _n in rows):>5} runs {total:7.2f} CPU-s  {total / span:6.2%}"
    )


def recreate_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited during start-up") from None
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 60 s")


def start(command: list[str], env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recordings", "-n", type=int, default=1000)
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("STEADY_SECONDS") or 600), help="measured span"
    )
    parser.add_argument("--workers", type=int, default=2, help="RQ workers (every queue)")
    parser.add_argument(
        "--worker-class",
        default="bench.steady_worker.MeasuringWorker",
        help="RQ worker class (README Scaling out's SimpleWorker: no fork per job; the default adds up each job "
        "function's CPU for the per-job table)",
    )
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument(
        "--keep-database", action="store_true", help="do not drop the bench database at the end"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()
    n = args.recordings

    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        NO_PROXY="127.0.0.1,localhost,::1",
        LOG_LEVEL="WARNING",
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
    )
    recreate_database(args.database_url)
    import django

    django.setup()
    import django_rq
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from emulator.testing import running_emulator
    from recordings.models import ClientApp, RecordingSession, Room
    from recordings.sessions.lifecycle import SessionState, Trigger
    from recordings.sessions.services.sessions import session_create

    call_command("migrate", verbosity=0)
    django_rq.get_connection("orchestration").flushdb()
    port = free_port()
    log_path = Path("/tmp") / f"cnr-bench-steady-{os.getpid()}.log"
    result = 1
    with ExitStack() as stack, log_path.open("wb") as log:
        emu = stack.enter_context(
            running_emulator(
                car_concurrency=n + 10,
                car_allow_private_user_ip=True,  # the console sends CAR_USER_IP=127.0.0.1 here
                push_media="light",
                file_delay_seconds=0,
                screenshot_seconds=10**6,  # no screenshot template
                callback_url=f"http://127.0.0.1:{port}/callbacks/css/",
            )
        )
        emu.apply_settings(settings)
        settings.CAR_PROJECT_ID = "cap-steady001"
        env = {**os.environ, **emu.environment(), "CAR_PROJECT_ID": "cap-steady001"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        worker_class = args.worker_class
        processes = [
            start(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "dashboard.wsgi:application",
                    *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"),
                ],
                env,
                log,
            ),
            *(
                start(
                    [
                        *manage,
                        "rqworker",
                        *settings.RQ_QUEUES,
                        *(["--with-scheduler"] if i == 0 else []),
                        *("--worker-class", worker_class, "--name", f"steady-{i}-{os.getpid()}"),
                    ],
                    env,
                    log,
                )
                for i in range(args.workers)
            ),
            start([*manage, "rqcron", "recordings.cron", "--logging-level", "WARNING"], env, log),
        ]
        for process in processes:
            stack.callback(stop, process)
        wait_for_port(port, processes[0])
        time.sleep(3)

        # Healthy recordings: the app's bitrate is what the emulator's pushes carry (2,500 kbps + audio), so
        # the low-bitrate alert has nothing to look into.
        app = ClientApp.objects.create(
            name="steady", kind="APK", car_project_id="cap-steady001", bitrate_kbps=2500
        )
        rooms = Room.objects.bulk_create(
            Room(name=f"Steady {i}", room_key=f"steady-{i}", stream_name=f"st{i}", client_app=app)
            for i in range(n)
        )
        now = timezone.now()
        for room in rooms:
            session_create(
                room=room,
                planned_start=now,
                planned_end=now + timedelta(hours=3),
                trigger=Trigger.MANUAL,
                actor=None,
            )
        sessions = RecordingSession.objects.filter(room__client_app=app)
        started = time.monotonic()
        while time.monotonic() - started < args.start_timeout:
            if sessions.filter(state=SessionState.RECORDING).count() >= n:
                break
            time.sleep(2)
        live = sessions.filter(state=SessionState.RECORDING).count()
        print(
            f"{live}/{n} recordings live after {time.monotonic() - started:.0f} s "
            f"(states: {dict(Counter(sessions.values_list('state', flat=True)))})"
        )
        time.sleep(min(60.0, args.seconds / 10))  # let the start's own work (callbacks, first passes) settle

        roots = [process.pid for process in processes]
        redis = django_rq.get_connection("orchestration")
        jobs_before = job_cpu(redis)
        load_before = load_average()
        cpu_before, writes_before, t0 = (
            console_cpu(roots),
            database_writes(args.database_url),
            time.monotonic(),
        )
        time.sleep(args.seconds)
        cpu_after, writes_after, t1 = console_cpu(roots), database_writes(args.database_url), time.monotonic()
        load_after = load_average()
        jobs_after = job_cpu(redis)
        still_live = sessions.filter(state=SessionState.RECORDING).count()

        span = t1 - t0
        cpu = cpu_after - cpu_before
        writes = writes_after - writes_before
        minutes = span / 60
        share = cpu / span
        per_recording_ms = cpu * 1000 / max(live, 1) / minutes
        print(
            f"steady state: {live} live recordings ({still_live} still live at the end) for {span:.0f} s; "
            f"light pushes (EMULATOR_PUSH_MEDIA=light), no screenshot template; DEBUG=0; gunicorn 2 workers, "
            f"{args.workers} RQ workers ({worker_class}), rqcron; healthy streams (app at 2,500 kbps, as pushed)"
        )
        print(
            f"target: the console's CPU in total ≤ {TARGET_CORE_SHARE:.0%} of one core "
            f"(≤ {TARGET_CORE_SHARE * span:.1f} CPU-s over {span:.0f} s) — the issue's budget for 1,000 live "
            "recordings; measured as utime+stime of every console process and its reaped children (/proc), "
            "PostgreSQL's own CPU not included"
        )
        print(
            f"console CPU: {cpu:.2f} s = {share:.2%} of one core; {per_recording_ms:.3f} ms per live recording "
            f"per minute"
        )
        print(
            f"database writes (rows inserted+updated+deleted, pg_stat_database): {writes} = "
            f"{writes / max(live, 1) / minutes:.3f} per live recording per minute"
        )
        print(f"load average before {load_before}, after {load_after}")
        print_job_cpu(jobs_before, jobs_after, span)
        result = 0 if share <= TARGET_CORE_SHARE and still_live == live == n else 1
    print(f"process logs: {log_path}")
    if not args.keep_database:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url)
    return result


if __name__ == "__main__":
    sys.exit(main())
