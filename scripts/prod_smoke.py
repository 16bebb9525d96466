"""`make prod-smoke`: the deployment of README "Scaling out", started and exercised against the emulator.

gunicorn (2 workers), 2 RQ workers (one with the scheduler) and the RQ cron process run with DEBUG=0 on
PostgreSQL and Redis, JSON logs and PROMETHEUS_MULTIPROC_DIR, talking to an emulator served by this process
(real ffmpeg pushes, callbacks into gunicorn). The script then:

1. waits for /readyz to answer 200 (database, migrations, Redis, workers, cron);
2. starts N recordings through the API (POST /api/v1/rooms/{key}/recordings) and waits until all record;
3. scrapes /metrics with the bearer token and checks it against the database: recordings by state, Tencent
   API calls (counted in code) against the call log, accepted callbacks against the stored events;
4. kills one RQ worker (and any child it has, e.g. RQ's scheduler) and one gunicorn worker with SIGKILL, stops every recording
   through the API, and shows /readyz stays ready and every recording still completes;
5. checks the counters again, and that a JSON log line of a worker names a recording.

Each step prints its time; exit status 0 only if everything held. Uses its own database and Redis database
(defaults below, or PROD_SMOKE_DATABASE_URL / PROD_SMOKE_REDIS_URL), which it empties first.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cnr_prod_smoke"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
T0 = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def http(
    url: str, *, method: str = "GET", token: str = "", body: dict[str, Any] | None = None
) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def wait_until(what: str, check: Callable[[], bool], timeout: float, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise SystemExit(f"FAILED: {what} (gave up after {timeout:.0f} s)")


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, sample_labels), value in samples.items()
        if sample == name and all(dict(sample_labels).get(k) == v for k, v in labels.items())
    )


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Deployment:
    def __init__(self, *, env: dict[str, str], logs: Path, port: int) -> None:
        self.env = env
        self.logs = logs
        self.port = port
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def start_all(self) -> None:
        from django.conf import settings

        manage = [sys.executable, str(ROOT / "manage.py")]
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.start(
            "web",
            [
                gunicorn,
                "dashboard.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
            ],
        )
        for i in (1, 2):
            self.start(
                f"worker{i}",
                [
                    *manage,
                    "rqworker",
                    *settings.RQ_QUEUES,  # every queue: /readyz wants a live worker on each
                    *(["--with-scheduler"] if i == 1 else []),
                    "--worker-class",
                    # README's production worker (jobs in the worker process): the smoke runs what it recommends
                    "dashboard.observability.rq_worker.SimpleWorker",
                    "--worker-ttl",
                    "30",
                    "--name",
                    f"prod-smoke-{i}-{os.getpid()}",
                ],
            )
        self.start("cron", [*manage, "rqcron", "recordings.cron"])

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recordings", "-n", type=int, default=20)
    parser.add_argument("--record-seconds", type=float, default=8, help="how long the recordings run")
    parser.add_argument("--timeout", type=float, default=240, help="bound of each wait")
    parser.add_argument(
        "--database-url", default=os.environ.get("PROD_SMOKE_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("PROD_SMOKE_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--keep-logs", action="store_true", help="print where the logs are and keep them")
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        NO_PROXY="127.0.0.1,localhost,::1",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # this process records nothing
    fresh_database(args.database_url)
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from dashboard.access import Role
    from dashboard.services import api_token_create
    from recordings.models import ClientApp, Room

    redis.Redis.from_url(args.redis_url).flushdb()
    call_command("migrate", verbosity=0)
    say(f"fresh database {args.database_url.rpartition('/')[2]} migrated, Redis {args.redis_url} emptied")

    workdir = Path(tempfile.mkdtemp(prefix="cnr-prod-smoke-"))
    metrics_dir = workdir / "prometheus"
    metrics_dir.mkdir()
    logs = workdir / "logs"
    logs.mkdir()
    (workdir / "static").mkdir()  # the API serves no static file; collectstatic is a release step

    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username="smoke-operator", password=secrets.token_urlsafe(16))
    user.groups.add(Group.objects.get_or_create(name=Role.OPERATOR.value)[0])
    _, api_token = api_token_create(user=user, name="prod-smoke")
    app = ClientApp.objects.create(name="smoke", kind="APK", car_project_id="cap-smoke0001")
    rooms = Room.objects.bulk_create(
        Room(name=f"Smoke {i}", room_key=f"smoke-{i}", stream_name=f"smoke{i}", client_app=app)
        for i in range(args.recordings)
    )

    try:
        smoke(args, workdir=workdir, logs=logs, metrics_dir=metrics_dir, api_token=api_token, rooms=rooms)
    except (AssertionError, SystemExit) as exc:
        for log in sorted(logs.iterdir()):
            print(f"--- last lines of {log.name}:\n" + "\n".join(log.read_text().splitlines()[-15:]))
        say(f"prod-smoke FAILED: {exc!r}; logs kept in {logs}")
        return 1
    if args.keep_logs:
        say(f"logs kept in {logs}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    say("prod-smoke passed")
    return 0


def smoke(
    args: argparse.Namespace,
    *,
    workdir: Path,
    logs: Path,
    metrics_dir: Path,
    api_token: str,
    rooms: list[Any],
) -> None:
    from django.db import connection

    from emulator.testing import running_emulator
    from recordings.models import CssCallbackEvent, RecordingSession
    from recordings.sessions.lifecycle import SessionState
    from tencent.models import ApiCall

    n = args.recordings
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    metrics_token = secrets.token_urlsafe(24)
    with ExitStack() as stack:
        emu = stack.enter_context(
            running_emulator(
                car_concurrency=n + 5,
                EMULATOR_FILE_DELAY_SECONDS=1,
                EMULATOR_RECORD_ACTIVATION_SECONDS=0.3,
                EMULATOR_CAR_PROCESSING_SECONDS=0.2,
                EMULATOR_CAR_ALLOW_PRIVATE_USER_IP=1,
                EMULATOR_PUSH_CODEC="h264",
                EMULATOR_SEGMENT_SECONDS=1,
                EMULATOR_SCREENSHOT_SECONDS=3600,
                EMULATOR_CALLBACK_RETRY_SECONDS=1,
                EMULATOR_CALLBACK_URL=f"{base}/callbacks/css/",
            )
        )
        env = {
            **os.environ,
            **{name: str(value) for name, value in emu.settings_overrides().items()},
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            # TLS ends at the load balancer in production; this loopback deployment speaks plain HTTP.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CONSOLE_BASE_URL": base,
            "CAR_USER_IP": "127.0.0.1",
            "CAR_PROJECT_ID": "cap-smoke0001",
            "CSS_RECORD_TEMPLATE_ID": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "METRICS_TOKEN": metrics_token,
            "METRICS_ALLOWED_IPS": "192.0.2.1",  # nobody: the scrape must bring the token
            "STATIC_ROOT": str(workdir / "static"),
        }
        deployment = Deployment(env=env, logs=logs, port=port)
        stack.callback(deployment.stop_all)
        deployment.start_all()
        say(f"started gunicorn (2 workers) on {base}, 2 RQ workers, cron; logs in {logs}")

        def ready() -> bool:
            return http(f"{base}/readyz")[0] == 200

        try:
            wait_until("/readyz answers 200", ready, 90)
        except SystemExit:
            say(f"/readyz: {http(f'{base}/readyz')}")
            raise
        say(f"/readyz: 200 {json.loads(http(f'{base}/readyz')[1])['checks']}")
        status, _ = http(f"{base}/metrics")
        assert status == 403, f"/metrics without the token answered {status}"

        ids: list[int] = []
        minutes = 60
        for room in rooms:
            status, body = http(
                f"{base}/api/v1/rooms/{room.room_key}/recordings",
                method="POST",
                token=api_token,
                body={"duration_minutes": minutes},
            )
            assert status == 201, (status, body[:300])
            ids.append(json.loads(body)["id"])
        say(f"{n} recordings started through the API")
        sessions = RecordingSession.objects.filter(pk__in=ids)

        def count(state: str) -> int:
            return sessions.filter(state=state).count()

        started_at = time.monotonic()
        wait_until(f"all {n} recording", lambda: count(SessionState.RECORDING) == n, args.timeout)
        say(f"all {n} recording after {time.monotonic() - started_at:.1f} s")

        def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            status, body = http(f"{base}/metrics", token=metrics_token)
            assert status == 200, status
            return parse_metrics(body.decode())

        def counters_agree(label: str) -> None:
            """The scrape sits between two reads of the database (rows keep arriving while pushes are live)."""
            for _ in range(20):
                connection.close()
                calls_before = ApiCall.objects.count()
                events_before = CssCallbackEvent.objects.count() + sum(
                    CssCallbackEvent.objects.values_list("duplicates", flat=True)
                )
                states_before = RecordingSession.objects.state_counts()
                samples = scrape()
                calls_after = ApiCall.objects.count()
                events_after = CssCallbackEvent.objects.count() + sum(
                    CssCallbackEvent.objects.values_list("duplicates", flat=True)
                )
                states_after = RecordingSession.objects.state_counts()
                calls = total(samples, "cnr_tencent_api_calls_total")
                accepted = total(samples, "cnr_callbacks_total", result="stored") + total(
                    samples, "cnr_callbacks_total", result="duplicate"
                )
                states = {
                    state.value: total(samples, "cnr_recordings", state=state.value) for state in SessionState
                }
                if (
                    calls_before <= calls <= calls_after
                    and events_before <= accepted <= events_after
                    and states_before == states_after
                    and all(states[s] == states_after.get(s, 0) for s in states)
                ):
                    say(
                        f"{label}: /metrics agrees with the database — Tencent calls {calls:.0f} = call log rows, "
                        f"accepted callbacks {accepted:.0f} = stored events + duplicates, recordings by state "
                        f"{ {k: int(v) for k, v in states.items() if v} }, "
                        f"call p50 bucket count {total(samples, 'cnr_tencent_api_call_duration_seconds_count'):.0f}"
                    )
                    return
                time.sleep(0.5)
            raise SystemExit(
                f"FAILED: {label}: metrics disagree: calls {calls} vs {calls_before}..{calls_after}, callbacks "
                f"{accepted} vs {events_before}..{events_after}, states {states} vs {states_after}"
            )

        counters_agree("while recording")
        time.sleep(max(0.0, args.record_seconds - (time.monotonic() - started_at)))

        worker = deployment.processes["worker1"]
        # The SimpleWorker runs its jobs itself; its children are RQ's scheduler process, if any.
        children = children_of(worker.pid)
        gunicorn_workers = children_of(deployment.processes["web"].pid)
        os.kill(worker.pid, signal.SIGKILL)
        for child in children:
            os.kill(child, signal.SIGKILL)
        os.kill(gunicorn_workers[0], signal.SIGKILL)
        say(
            f"SIGKILL: RQ worker {worker.pid} (the scheduler's, with {len(children)} child process(es)) and "
            f"gunicorn worker {gunicorn_workers[0]}"
        )
        stopped = 0
        for pk in ids:
            for _ in range(3):  # a request may meet the killed gunicorn worker's closed socket
                status, body = http(f"{base}/api/v1/recordings/{pk}/stop", method="POST", token=api_token)
                if status:
                    break
            assert status in (200, 202), (status, body[:300])
            stopped += 1
        say(f"{stopped} stops asked through the API")
        status, body = http(f"{base}/readyz")
        say(f"/readyz after the kill: {status} {json.loads(body)['checks']['workers']}")
        assert status == 200, body

        finished_at = time.monotonic()
        wait_until(
            f"all {n} completed",
            lambda: count(SessionState.COMPLETED) == n,
            args.timeout,
            every=1,
        )
        say(
            f"all {n} completed {time.monotonic() - finished_at:.1f} s after the stops, with one RQ worker left"
        )
        status, body = http(f"{base}/readyz")
        assert status == 200, body
        say(f"/readyz: {status}; gunicorn workers now {children_of(deployment.processes['web'].pid)}")
        counters_agree("after the kill")

        samples = scrape()
        assert total(samples, "cnr_recording_start_latency_seconds_count") == n
        assert total(samples, "cnr_recording_stop_latency_seconds_count") == n
        say(
            "start latency mean "
            f"{total(samples, 'cnr_recording_start_latency_seconds_sum') / n:.1f} s, stop latency mean "
            f"{total(samples, 'cnr_recording_stop_latency_seconds_sum') / n:.1f} s"
        )
        lines = [
            json.loads(line)
            for name in ("worker1", "worker2")
            for line in (logs / f"{name}.log").read_text().splitlines()
            if line.startswith("{")
        ]
        traced = [line for line in lines if line.get("recording") in ids and line.get("tencent_request_id")]
        assert traced, "no JSON worker log line names a recording and a Tencent RequestId"
        say(f"worker log, e.g.: {json.dumps(traced[-1])[:300]}")
        say(f"files in PROMETHEUS_MULTIPROC_DIR: {len(list(metrics_dir.iterdir()))}")


if __name__ == "__main__":
    sys.exit(main())
