"""Keep a long-running child process alive: restart it with back-off whenever it exits, and say so.

RQ's worker and cron scheduler exit when Redis goes away (the cron scheduler on its first failed call, the worker
on a failed heartbeat) and never come back by themselves. `rundemo` and `manage.py supervise` run them as
children of a `Supervised`, so an outage costs at most the back-off after Redis is back, never a hand restart.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Backoff:
    initial_s: float = 1.0
    maximum_s: float = 8.0
    # A child that ran this long before exiting was healthy: its next restart starts the back-off afresh.
    stable_s: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.initial_s * 2 ** max(failures - 1, 0), self.maximum_s))


class Supervised:
    """One child process, restarted after `backoff` each time it exits, until `stop()`."""

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        env: dict[str, str] | None,
        cwd: Path | str,
        say: Callable[[str], None],
        backoff: Backoff = Backoff(),
    ) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.cwd = cwd
        self.say = say
        self.backoff = backoff
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._failures = 0
        self._started_at = 0.0
        self._restart_at: float | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, cwd=self.cwd)
        self._started_at = time.monotonic()
        self._restart_at = None

    def check(self) -> None:
        """Notice an exit (and schedule the restart), or restart once the back-off has passed."""
        now = time.monotonic()
        if self.process is None:
            return
        if self._restart_at is None:
            code = self.process.poll()
            if code is None:
                return
            if now - self._started_at >= self.backoff.stable_s:
                self._failures = 0
            self._failures += 1
            delay = self.backoff.delay(self._failures)
            self._restart_at = now + delay
            self.say(f"{self.name} exited with code {code}; restarting it in {delay:g} s.")
        elif now >= self._restart_at:
            self.start()
            self.restarts += 1
            self.say(f"{self.name} restarted (pid {self.pid}, restart {self.restarts}).")

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM) and restart it no more."""
        self._restart_at = None
        self.process, process = None, self.process
        self._stopping = process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        """Wait for a terminated child until `deadline` (monotonic), then kill it."""
        process = self._stopping
        if process is None:
            return
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
