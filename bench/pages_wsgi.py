"""The console's WSGI application for `bench/pages.py` only: each answer carries `X-Bench-Queries`, the number
of SQL statements the request ran (counted with a connection execute wrapper, so DEBUG stays off).

Production never loads this module; gunicorn serves `dashboard.wsgi` there.
"""

from __future__ import annotations

import os
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

    def counted_start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        # Django calls this once the response is complete (views and templates have run).
        return start_response(status, [*headers, ("X-Bench-Queries", str(counter.count))], *args)

    with connection.execute_wrapper(counter):
        return django_application(environ, counted_start_response)
