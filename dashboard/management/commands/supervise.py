"""Run one long-running management command and restart it with back-off whenever it exits.

    manage.py supervise rqworker default orchestration media --with-scheduler
    manage.py supervise rqcron recordings.cron

RQ's worker and cron scheduler exit when they lose Redis; under `supervise` they come back by themselves once
Redis answers again (see dashboard/supervision.py). SIGTERM or Ctrl-C stops the child and then this command.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.supervision import Supervised


class Command(BaseCommand):
    help = "Run a management command (e.g. rqworker, rqcron) and restart it with back-off when it exits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("child", nargs=argparse.REMAINDER, help="The command and its arguments.")

    def handle(self, *args: object, child: list[str], **options: object) -> None:
        if not child:
            raise CommandError("Name the command to supervise, e.g. `supervise rqcron recordings.cron`.")
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *child]
        supervised = Supervised(child[0], command, env=None, cwd=settings.BASE_DIR, say=self.stderr.write)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        supervised.start()
        try:
            while not stopping:
                supervised.check()
                time.sleep(0.5)
        finally:
            supervised.terminate()
            supervised.wait(time.monotonic() + 30)
