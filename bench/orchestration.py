"""Benchmark: N recordings due at the same instant, started by RQ workers against the emulator.

    make bench-orchestration            # N=200, 2 workers
    .venv/bin/python bench/orchestration.py --recordings 50 --workers 2 --pushes real

The emulator runs in this process and enforces Tencent's documented per-action rates (StartPublishStream and
CreateRecordTask 20/s, ApplyConcurrent/CreateSession/DestroySession 100/s, …), so starting N recordings cannot
take less than N / 20 s. Prints the time until every recording is `recording`, its ratio to that bound,
duplicates (second record tasks, pushes or sessions for one recording: must be 0) and leaked CAR sessions after
everything was stopped and reconciled (must be 0).

`--pushes light` (the default) replaces the emulator's ffmpeg encoder behind each push with a stand-in that is
always live: 200 real encoders do not fit on a small machine, and what is measured here is the orchestration
(every API, rate limit and state rule is still the emulator's own). `--pushes real` keeps ffmpeg.
"""

from __future__ import annotations

import argparse
import os
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
RATE_BOUND_PER_SECOND = 20  # StartPublishStream / CreateRecordTask


class LightStream:
    """Stands in for emulator.media.LiveStream: live from start() to stop(), no encoder, no segments."""

    def __init__(self, *, root: Path, width: int = 1280, height: int = 720, **kwargs: Any) -> None:
        self.root = root
        self.width, self.height = width, height  # what the push callbacks report
        self._alive = False
        self._started_at = 0.0

    def start(self) -> None:
        self.playlist_path.parent.mkdir(parents=True, exist_ok=True)
        self.playlist_path.write_text("#EXTM3U\n")
        self._started_at = time.time()
        self._alive = True

    def stop(self) -> None:
        self._alive = False

    def is_alive(self) -> bool:
        return self._alive

    @property
    def playlist_path(self) -> Path:
        return self.root / "live.m3u8"

    @property
    def started_at(self) -> float:
        return self._started_at

    def segments_between(self, start: float, end: float | None = None) -> list[Any]:
        return []

    def sample(self) -> Any:
        from emulator.media import PushSample

        return PushSample(
            at=time.time(),
            video_bps=2_500_000,
            audio_bps=128_000,
            fps=25.0,
            width=320,
            height=180,
            video_codec="h264",
            audio_codec="aac",
        )

    def snapshot_jpeg(self, out: Path) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"")
        return out


def prepare_environment(database_url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost,::1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database_url.startswith("postgres"):
        import psycopg

        base, _, name = database_url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recordings", "-n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pushes", choices=["light", "real"], default="light")
    parser.add_argument(
        "--worker-class",
        default="rq.worker.SimpleWorker",
        help="RQ worker class; SimpleWorker runs jobs in the worker process (no fork per job)",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
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
    from django.utils import timezone

    from emulator.css import pushes as css_pushes
    from emulator.testing import running_emulator
    from recordings.models import ClientApp, RecordingSession, Room
    from recordings.sessions.lifecycle import TERMINAL_STATES, SessionState, Trigger
    from recordings.sessions.services.reconcile import reconcile
    from recordings.sessions.services.sessions import session_create, session_stop

    call_command("migrate", verbosity=0)
    django_rq.get_connection("orchestration").flushdb()  # the bench's own Redis database: queues, limiter
    RecordingSession.objects.filter(room__client_app__name="bench").delete()
    Room.objects.filter(client_app__name="bench").delete()
    ClientApp.objects.filter(name="bench").delete()

    with ExitStack() as stack:
        if args.pushes == "light":
            css_pushes.LiveStream = LightStream  # type: ignore[misc,assignment]
        emu = stack.enter_context(
            running_emulator(
                car_concurrency=n + 10,
                # The console sends CAR_USER_IP=127.0.0.1 here (loopback only); a real account sends a public IP.
                car_allow_private_user_ip=True,
                file_delay_seconds=0,
                segment_seconds=1,
                screenshot_seconds=10**6,
                sample_seconds=10**6,
                callback_url="http://127.0.0.1:9/callbacks/css/",
            )
        )
        overrides = {name: str(value) for name, value in emu.settings_overrides().items()}
        for name, value in emu.settings_overrides().items():
            setattr(settings, name, value)
        settings.CAR_PROJECT_ID = "cap-bench0001"

        app = ClientApp.objects.create(name="bench", kind="APK", car_project_id="cap-bench0001")
        rooms = Room.objects.bulk_create(
            Room(name=f"Bench {i}", room_key=f"bench-{i}", stream_name=f"bench-{i}", client_app=app)
            for i in range(n)
        )

        env = {**os.environ, **overrides, "LOG_LEVEL": "WARNING"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        workers = [
            subprocess.Popen(
                [
                    *manage,
                    "rqworker",
                    "orchestration",
                    "--with-scheduler",
                    "--name",
                    f"bench-{i}-{os.getpid()}",
                    *(["--worker-class", args.worker_class] if args.worker_class else []),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(args.workers)
        ]
        for worker in workers:
            stack.callback(worker.terminate)
        time.sleep(3)  # let the workers start and one of them take the scheduler lock

        due = timezone.now() + timedelta(seconds=5)
        for room in rooms:
            session_create(
                room=room,
                planned_start=due,
                planned_end=due + timedelta(minutes=30),
                trigger=Trigger.SCHEDULE,
                actor=None,
            )
        print(
            f"{n} recordings due at {due:%H:%M:%S} UTC; {args.workers} workers of {args.worker_class or 'rq Worker'}; "
            f"{args.pushes} pushes"
        )

        sessions = RecordingSession.objects.filter(room__client_app=app)
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            counts = Counter(sessions.values_list("state", flat=True))
            if counts[SessionState.RECORDING] + sum(counts[s] for s in TERMINAL_STATES) >= n:
                break
            time.sleep(0.2)
        finished_at = timezone.now()
        counts = Counter(sessions.values_list("state", flat=True))
        elapsed = (finished_at - due).total_seconds()
        if counts[SessionState.RECORDING] < n:
            last = sessions.exclude(state=SessionState.RECORDING).values_list(
                "state", "failure_reason", "last_error"
            )[:5]
            print(f"not all recording: {dict(counts)}; e.g. {list(last)}")

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
        django_rq.get_queue("orchestration")  # stop jobs were enqueued on commit
        stop_deadline = time.monotonic() + args.timeout
        while time.monotonic() < stop_deadline:
            if not sessions.filter(
                state__in=[SessionState.STARTING, SessionState.RECORDING, SessionState.STOPPING]
            ).exists():
                break
            time.sleep(0.5)
        reconcile(now=timezone.now())
        held = set(emu.state.concurrencies)
        leaked = len(held)

        bound = n / RATE_BOUND_PER_SECOND
        print(f"time until all {n} are recording: {elapsed:.1f} s")
        print(f"rate-limit lower bound (N / {RATE_BOUND_PER_SECOND} per s): {bound:.1f} s")
        print(f"ratio to the bound: {elapsed / bound:.2f}")
        print(f"duplicates: {duplicates}")
        print(f"leaked CAR sessions: {leaked}")
        print(f"states at the end: {dict(Counter(sessions.values_list('state', flat=True)))}")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        ok = duplicates == 0 and leaked == 0 and counts[SessionState.RECORDING] == n
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
