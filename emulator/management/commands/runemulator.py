"""`manage.py runemulator --port 8765`: the same as `python -m emulator`, from the Django project."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from emulator.__main__ import main


class Command(BaseCommand):
    help = "Run the local Tencent Cloud emulator (CAR, CSS, VOD, COS) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None)
        parser.add_argument("--port", type=int, default=None)

    def handle(self, *args: object, host: str | None, port: int | None, **options: object) -> None:
        argv = [*(["--host", host] if host else []), *(["--port", str(port)] if port is not None else [])]
        main(argv)
