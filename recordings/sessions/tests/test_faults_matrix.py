"""The fault matrix, with real processes: an RQ worker and RQ's cron under `manage.py supervise`, a Redis of the
test's own, the emulator with its fault injection, and CSS callbacks dropped, duplicated and reordered on their
way to a live console.

1. Faults: CAR throttles ApplyConcurrent and StartPublishStream once each; callbacks are lossy throughout.
2. A worker killed with SIGKILL in the middle of a start (inside CreateSession): its lease lapses, the tick
   resumes the session and the supervisor restarts the worker.
3. Redis stopped: the API still accepts a start and a stop (202, committed), the live board answers with a
   message; Redis restarted empty: the tick picks both up, the cron and worker reconnect by themselves.

Every recording ends completed, no CAR concurrency is left held, and every file in VOD is known to the console.
The times to recover are printed (`-s` shows them) and bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from redis import Redis
from rq import Worker

from emulator.callbacks import CallbackFaults
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.services.files import recording_files_sync
from recordings.models import RecordingFile, RecordingSession
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.services.reconcile import reconcile
from tencent import vod

S = SessionState
pytestmark = [pytest.mark.slow, pytest.mark.long, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(django_settings.BASE_DIR)
# What "recovered" may take: lease (9 s) + tick (5 s) + a restart's back-off and start-up.
KILL_RECOVERY_BOUND_S = 25
REDIS_RECOVERY_BOUND_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float, pause: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(pause)
    sessions = RecordingSession.objects.values_list("pk", "state", "failure_reason", "last_error")
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}: {list(sessions)}")


class OwnRedis:
    """A redis-server of this test's own (never the machine's), stopped and started at will, no persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen([*command, "--appendonly", "no"], stdout=subprocess.DEVNULL)
        wait_for("redis", self.answers, 10)

    def answers(self) -> bool:
        try:
            return bool(Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(settings: Any) -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    settings.REDIS_URL = server.url
    settings.RQ_QUEUES = {name: {**queue, "URL": server.url} for name, queue in settings.RQ_QUEUES.items()}
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    try:
        yield server
    finally:
        server.stop()


def supervised(env: dict[str, str], log: Path, *command: str) -> subprocess.Popen[bytes]:
    # A process group of its own: the cleanup ends the supervisor and everything it started, by group id.
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "supervise", *command],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture
def processes(emulator: Any, own_redis: OwnRedis, settings: Any, tmp_path: Path) -> Iterator[dict[str, Path]]:
    database = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        **emulator.environment(),
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": own_redis.url,
        "CAR_PROJECT_ID": "cap-test0001",
        "CAR_USER_IP": "127.0.0.1",
        "TENCENT_RETRY_BASE_SECONDS": "0.01",
        "LOG_LEVEL": "WARNING",
    }
    settings.CAR_PROJECT_ID = "cap-test0001"
    settings.TENCENT_RETRY_BASE_SECONDS = 0.01
    logs = {"worker": tmp_path / "worker.log", "cron": tmp_path / "cron.log"}
    worker = supervised(
        env,
        logs["worker"],
        "rqworker",
        "orchestration",
        "default",
        "media",
        "--with-scheduler",
        "--worker-class",
        "recordings.workers.SimpleWorker",  # runs the job in its own process: SIGKILL hits the call
    )
    cron = supervised(env, logs["cron"], "rqcron", "recordings.cron", "--logging-level", "WARNING")
    try:
        yield logs
    finally:
        for name, log in logs.items():  # shown by pytest when the test fails
            print(f"--- {name} ---\n{log.read_text(errors='replace')[-4000:]}")
        for process in (worker, cron):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            with contextlib.suppress(ProcessLookupError):  # what is left, e.g. a killed worker's scheduler
                os.killpg(process.pid, signal.SIGKILL)


def state_of(pk: int) -> str:
    return str(RecordingSession.objects.values_list("state", flat=True).get(pk=pk))


def worker_pids(url: str) -> list[int]:
    try:
        return [w.pid for w in Worker.all(connection=Redis.from_url(url)) if w.pid]
    except Exception:
        return []


def test_fault_matrix_ends_every_recording_with_nothing_leaked_or_lost(
    emulator: Any,
    emulator_callbacks_to: Callable[[Any], None],
    live_server: Any,
    own_redis: OwnRedis,
    processes: dict[str, Path],
    operator: User,
    api_token: Callable[[User], str],
) -> None:
    emulator_callbacks_to(live_server)
    emulator.set_callback_faults(CallbackFaults(drop_rate=0.3, duplicate_rate=0.3, reorder=True))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}")
    page = Client()
    page.force_login(operator)
    rooms = [RoomFactory.create(room_key=f"fault-{name}") for name in "abc"]

    def start(room_index: int, expect: int) -> int:
        answer = api.post(
            f"/api/v1/rooms/{rooms[room_index].room_key}/recordings",
            data="{}",
            content_type="application/json",
        )
        assert answer.status_code == expect, answer.content
        return int(json.loads(answer.content)["id"])

    def stop(pk: int, expect: int) -> None:
        answer = api.post(f"/api/v1/recordings/{pk}/stop", data="{}", content_type="application/json")
        assert answer.status_code == expect, answer.content

    wait_for("the worker", lambda: worker_pids(own_redis.url), 60)

    # 1. Injected cloud faults, lossy callbacks.
    emulator.inject_fault("ApplyConcurrent", code="RequestLimitExceeded", count=1)
    emulator.inject_fault("StartPublishStream", code="RequestLimitExceeded", count=1)
    a = start(0, 201)
    wait_for("A recording", lambda: state_of(a) == S.RECORDING, 40)

    # 2. SIGKILL of the worker in the middle of B's CreateSession.
    emulator.set_latency("CreateSession", 5.0)
    b = start(1, 201)
    wait_for(
        "B inside CreateSession",
        lambda: RecordingSession.objects.filter(
            pk=b, concurrency_applied_at__isnull=False, cloud_session_created_at__isnull=True
        ).exists(),
        30,
    )
    time.sleep(0.5)  # the call is on the wire
    for pid in worker_pids(own_redis.url):
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    emulator.set_latency("CreateSession", 0.0)
    wait_for("B recording after the kill", lambda: state_of(b) == S.RECORDING, 60)
    kill_recovery = time.monotonic() - killed_at

    # 3. Redis down: a committed stop and start are accepted, the live board says why it is thin.
    own_redis.stop()
    stop(a, 202)
    c = start(2, 202)
    assert state_of(a) == S.STOPPING and state_of(c) == S.SCHEDULED
    board = page.get("/live/")
    assert board.status_code == 200 and b"Redis (the job queue and cache) is unavailable" in board.content
    time.sleep(2)
    own_redis.start()  # empty: every queued and delayed job is gone
    back_at = time.monotonic()
    wait_for(
        "A stopped and C recording after Redis came back",
        lambda: state_of(a) in (S.FINALIZING, S.COMPLETED) and state_of(c) == S.RECORDING,
        60,
    )
    redis_recovery = time.monotonic() - back_at
    print(
        f"\ntime to recover: worker SIGKILL mid-start {kill_recovery:.1f} s; Redis restart {redis_recovery:.1f} s"
    )
    # The killed worker came back by itself and said so; after the outage both RQ processes serve again (C's
    # only wake-up was the tick, which the cron enqueues and the worker runs).
    assert "rqworker exited with code -9; restarting it in 1 s." in processes["worker"].read_text()

    # The end: every recording stops and completes, nothing held, no file lost.
    time.sleep(1)  # a segment of B and C is recorded
    stop(b, 200)
    stop(c, 200)
    ids = [a, b, c]
    wait_for(
        "every recording completed",
        lambda: all(state_of(pk) in (S.COMPLETED, S.FAILED) for pk in ids),
        60,
        pause=0.5,
    )
    assert [state_of(pk) for pk in ids] == [S.COMPLETED] * 3, [
        RecordingSession.objects.get(pk=pk).failure_reason for pk in ids
    ]
    # A recording may have more than one file (a push cut by the faults starts a new one): every one is assembled
    # and its callback sent (or dropped) before the files are counted.
    assert emulator.wait_idle(30)
    emulator.set_callback_faults(CallbackFaults())
    reconcile(now=RecordingSession.objects.get(pk=c).updated_at)
    assert emulator.state.concurrencies == {}, "leaked CAR concurrencies"
    # Dropped file callbacks are what the periodic sync is for (cron, every 10 min): run it now.
    recording_files_sync(since=RecordingSession.objects.get(pk=a).created_at)
    files = {}
    for session in RecordingSession.objects.filter(pk__in=ids):
        in_vod = vod.search_media(stream_ids=[session.car_user_id]).total
        files[session.car_user_id] = (RecordingFile.objects.of_session(session.pk).count(), in_vod)
    print(f"files known to the console / in VOD: {files}")
    assert all(known == in_vod >= 1 for known, in_vod in files.values()), files
    assert kill_recovery < KILL_RECOVERY_BOUND_S and redis_recovery < REDIS_RECOVERY_BOUND_S
