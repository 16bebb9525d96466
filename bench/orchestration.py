"""Benchmark: N recordings due at the same instant, started by RQ workers against the emulator.

    make bench-orchestration            # N=200, 2 workers, best of 3 runs
    .venv/bin/python bench/orchestration.py --recordings 50 --workers 2 --runs 1

The emulator runs in this process and enforces Tencent's documented per-action rates. Each run creates N
recordings due at one instant and measures the time from that instant until every one is `recording`, against
the rate bound: the earliest the last one could be recording if every call took no time and no worker ever
waited, given the console's own limiter (policy.RATE_LIMITS per WINDOW_MS sliding window, the real configured
rates) and the RECORDING_PUSH_DELAY_SECONDS gap between CreateRecordTask's answer and StartPublishStream.
It also prints duplicates (second record tasks, pushes or sessions for one recording: must be 0), CAR sessions
left held after everything was stopped and reconciled (must be 0) and the load average before and after.

The workers run as production runs them: `rqworker` with DEBUG off (and JSON logs at WARNING), by default the
class README's deployment names for them. Pushes are light by default (`EMULATOR_PUSH_MEDIA=light`: the emulator keeps every
push's state, API answers, rate limits and callbacks, without an ffmpeg encoder behind it; 200 encoders do not
fit on a small machine, and what is measured here is the orchestration). `--pushes real` keeps ffmpeg.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cnr_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
# README "Scaling out": the orchestration's workers run their jobs in-process (no fork and fresh connections per
# job, which cost more than a start step itself: 184 s instead of 40 s for this bench on a loaded machine).
PRODUCTION_WORKER = "dashboard.observability.rq_worker.SimpleWorker"
# The calls of one start, in order; the push waits RECORDING_PUSH_DELAY_SECONDS after CreateRecordTask's answer.
START_CALLS = (
    "ApplyConcurrent",
    "CreateSession",
    "CreateRecordTask",
    "StartPublishStream",
    "DescribeLiveStreamState",
)


def prepare_environment(database_url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost,::1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # What production runs: DEBUG off (so no query log grows in the workers), which needs a secret key.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    if database_url.startswith("postgres"):
        import psycopg

        base, _, name = database_url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')


def rate_bound(n: int, *, push_gap_s: float) -> tuple[float, list[str]]:
    """The earliest time (from the due instant) the n-th start can be recording under the limiter's own rates.

    Each recording makes START_CALLS in order; every call is free and instant, and each action's grants obey
    the limiter's rule (at most `limit` grants in any WINDOW_MS window). Recordings are served greedily in
    order, each call at the earliest instant its action's window has room after the previous call (the push
    `push_gap_s` after the record task). Returns the bound and the lines that explain it."""
    from tencent import policy
    from tencent.ratelimit import WINDOW_MS

    window = WINDOW_MS / 1000
    grants: dict[str, list[float]] = {action: [] for action in START_CALLS}
    last = 0.0
    for _ in range(n):
        t = 0.0
        for action in START_CALLS:
            if action == "StartPublishStream":
                t += push_gap_s
            limit = policy.rate_limit(action) or 10**9
            log = grants[action]
            if len(log) >= limit:
                t = max(t, log[-limit] + window)
            log.append(t)
        last = max(last, t)
    lines = [
        f"rate bound for {n} starts: {last:.2f} s — the limiter's configured rates (policy.RATE_LIMITS, "
        f"per {WINDOW_MS} ms sliding window):",
        *(
            f"    {action}: {policy.rate_limit(action)} per window, last of {n} at {grants[action][-1]:.2f} s"
            for action in START_CALLS
        ),
        f"    plus the {push_gap_s:g} s gap between CreateRecordTask's answer and StartPublishStream; every call "
        "taking no time, no worker ever waiting",
    ]
    return last, lines


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def one_run(run: int, *, n: int, app: Any, emu: Any, timeout: float) -> dict[str, Any]:
    from django.utils import timezone

    from recordings.models import RecordingSession, Room
    from recordings.sessions.lifecycle import TERMINAL_STATES, SessionState, Trigger
    from recordings.sessions.services.reconcile import reconcile
    from recordings.sessions.services.sessions import session_create, session_stop

    rooms = Room.objects.bulk_create(
        Room(name=f"Bench {run}-{i}", room_key=f"bench-{run}-{i}", stream_name=f"b{run}x{i}", client_app=app)
        for i in range(n)
    )
    load_before = load_average()
    due = timezone.now() + timedelta(seconds=5)
    for room in rooms:
        session_create(
            room=room,
            planned_start=due,
            planned_end=due + timedelta(minutes=30),
            trigger=Trigger.SCHEDULE,
            actor=None,
        )
    sessions = RecordingSession.objects.filter(room__in=rooms)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = Counter(sessions.values_list("state", flat=True))
        if counts[SessionState.RECORDING] + sum(counts[s] for s in TERMINAL_STATES) >= n:
            break
        time.sleep(0.1)
    elapsed = (timezone.now() - due).total_seconds()
    counts = Counter(sessions.values_list("state", flat=True))
    if counts[SessionState.RECORDING] < n:
        last = sessions.exclude(state=SessionState.RECORDING).values_list(
            "state", "failure_reason", "last_error"
        )
        print(f"  not all recording: {dict(counts)}; e.g. {list(last[:5])}")
    load_after = load_average()

    user_ids = set(sessions.values_list("car_user_id", flat=True))
    tasks = Counter(t.stream_name for t in emu.state.record_tasks.values() if t.stream_name in user_ids)
    pushes = Counter(p.stream_name for p in emu.state.pushes if p.stream_name in user_ids)
    duplicates = (
        sum(c - 1 for c in tasks.values() if c > 1)
        + sum(c - 1 for c in pushes.values() if c > 1)
        + (sessions.count() - n)
    )

    for session in sessions.filter(state__in=[SessionState.STARTING, SessionState.RECORDING]):
        session_stop(session=session, actor=None, reason="Benchmark over.")
    stop_deadline = time.monotonic() + timeout
    active = [SessionState.STARTING, SessionState.RECORDING, SessionState.STOPPING]
    while time.monotonic() < stop_deadline and sessions.filter(state__in=active).exists():
        time.sleep(0.5)
    reconcile(now=timezone.now())
    leaked = sum(1 for user_id in emu.state.concurrencies if user_id in user_ids)
    # Light pushes make no files: end the wait for them here, so the next run is not measured beside 200
    # finalizing sessions polling VOD.
    sessions.filter(state=SessionState.FINALIZING).update(
        state=SessionState.COMPLETED, next_attempt_at=None, completed_at=timezone.now()
    )
    return {
        "elapsed": elapsed,
        "recording": counts[SessionState.RECORDING],
        "duplicates": duplicates,
        "leaked": leaked,
        "load_before": load_before,
        "load_after": load_after,
        "states": dict(Counter(sessions.values_list("state", flat=True))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recordings", "-n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--runs", type=int, default=3, help="runs measured; the best and the spread are printed"
    )
    parser.add_argument("--pushes", choices=["light", "real"], default="light")
    parser.add_argument("--worker-class", default=PRODUCTION_WORKER, help="RQ worker class (production's)")
    parser.add_argument("--target-ratio", type=float, default=1.15)
    parser.add_argument("--worker-log", default="/tmp/cnr-bench-orchestration-workers.log")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up a run after this many seconds")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()
    n = args.recordings

    prepare_environment(args.database_url, args.redis_url)
    import django

    django.setup()
    import django_rq
    from django.conf import settings
    from django.core.management import call_command

    from emulator.testing import running_emulator
    from recordings.models import ClientApp, RecordingSession, Room

    bound, derivation = rate_bound(n, push_gap_s=settings.RECORDING_PUSH_DELAY_SECONDS)
    call_command("migrate", verbosity=0)
    django_rq.get_connection("orchestration").flushdb()  # the bench's own Redis database: queues, limiter
    RecordingSession.objects.filter(room__client_app__name="bench").delete()
    Room.objects.filter(client_app__name="bench").delete()
    ClientApp.objects.filter(name="bench").delete()

    results = []
    with ExitStack() as stack:
        emu = stack.enter_context(
            running_emulator(
                car_concurrency=n + 10,
                # The console sends CAR_USER_IP=127.0.0.1 here (loopback only); a real account sends a public IP.
                car_allow_private_user_ip=True,
                push_media="light" if args.pushes == "light" else "ffmpeg",
                file_delay_seconds=0,
                segment_seconds=1,
                # No screenshot template (the console's setup binds none) and no push-quality sampling in the way.
                screenshot_seconds=10**6,
                sample_seconds=10**6,
                callback_url="http://127.0.0.1:9/callbacks/css/",
            )
        )
        emu.apply_settings(settings)
        settings.CAR_PROJECT_ID = "cap-bench0001"
        app = ClientApp.objects.create(name="bench", kind="APK", car_project_id="cap-bench0001")

        env = {**os.environ, **emu.environment(), "LOG_LEVEL": "WARNING", "DEBUG": "0"}
        worker_log = stack.enter_context(Path(args.worker_log).open("ab"))
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "rqworker",
                    "orchestration",
                    *(["--with-scheduler"] if i == 0 else []),
                    "--name",
                    f"bench-{i}-{os.getpid()}",
                    "--worker-class",
                    args.worker_class,
                ],
                env=env,
                cwd=ROOT,
                stdout=worker_log,
                stderr=worker_log,
            )
            for i in range(args.workers)
        ]
        for worker in workers:
            stack.callback(worker.terminate)
        # Wait until every worker listens (Django's start-up takes seconds on a loaded machine).
        from rq import Worker

        queue = django_rq.get_queue("orchestration")
        started = time.monotonic()
        while len(Worker.all(queue=queue)) < args.workers and time.monotonic() - started < 120:
            time.sleep(0.5)
        time.sleep(1)

        print(
            f"{n} recordings due at once, {args.runs} run(s); {args.workers} workers of {args.worker_class} "
            f"(DEBUG off); {args.pushes} pushes"
            + (
                " (EMULATOR_PUSH_MEDIA=light: push state and API without an encoder)"
                if args.pushes == "light"
                else ""
            )
        )
        for line in derivation:
            print(line)
        for run in range(1, args.runs + 1):
            result = one_run(run, n=n, app=app, emu=emu, timeout=args.timeout)
            results.append(result)
            print(
                f"run {run}: all {result['recording']}/{n} recording after {result['elapsed']:.2f} s "
                f"(ratio {result['elapsed'] / bound:.2f}); duplicates {result['duplicates']}, "
                f"leaked CAR sessions {result['leaked']}; load average before {result['load_before']}, "
                f"after {result['load_after']}"
            )

    times = [r["elapsed"] for r in results]
    best = min(times)
    print(
        f"best of {len(times)}: {best:.2f} s, ratio {best / bound:.2f} to the bound {bound:.2f} s "
        f"(target ≤ {args.target_ratio:g} x bound = {args.target_ratio * bound:.2f} s); "
        f"spread {best:.2f} to {max(times):.2f} s, median {statistics.median(times):.2f} s"
    )
    ok = all(r["duplicates"] == 0 and r["leaked"] == 0 and r["recording"] == n for r in results)
    print(f"duplicates {sum(r['duplicates'] for r in results)}, leaked {sum(r['leaked'] for r in results)}")
    return 0 if ok and best <= args.target_ratio * bound else 1


if __name__ == "__main__":
    sys.exit(main())
