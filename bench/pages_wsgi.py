"""The console's WSGI application for `bench/pages.py` only: each answer carries `X-Bench-Queries`, the number
of SQL statements the request ran (counted with a connection execute wrapper, so DEBUG stays off), and
`X-Bench-CPU-ms`, the worker's CPU time for the request (time.process_time: on a machine shared with other work
the figure that depends least on its load; PostgreSQL's own time is not in it).

Production never loads this module; gunicorn serves `dashboard.wsgi` there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.db import connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
django_application = get_wsgi_application()


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    counter = Counter()
    began = time.process_time()

    def counted_start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        # Django calls this once the response is complete (views and templates have run).
        cpu_ms = (time.process_time() - began) * 1000
        extra = [("X-Bench-Queries", str(counter.count)), ("X-Bench-CPU-ms", f"{cpu_ms:.1f}")]
        return start_response(status, [*headers, *extra], *args)

    with connection.execute_wrapper(counter):
        return django_application(environ, counted_start_response)
