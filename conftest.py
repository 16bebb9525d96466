"""Fixtures shared by every app's tests: users per role, logged-in clients, API tokens, and a headless browser."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client

from dashboard.access import Role

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that thread are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost,::1")
# The demo seed registers its client apps with the emulator's CAR console: never the real demo's under var/.
os.environ.setdefault(
    "EMULATOR_CAR_APPLICATIONS",
    os.path.join(tempfile.mkdtemp(prefix="cnr-test-car-"), "car_applications.json"),
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
PASSWORD = "correct-horse-battery-staple"


def pytest_configure(config: pytest.Config) -> None:
    # Tests create many users: the production password hash (~1M PBKDF2 rounds) would dominate their time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each xdist worker gets its own Redis database (the URL's database number minus the worker index), so
    # queues and rate-limit buckets of parallel workers never collide.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    base, _, db = settings.REDIS_URL.rpartition("/")
    if settings.REDIS_URL.startswith("redis://") and db.isdigit():
        url = f"{base}/{max(0, int(db) - index)}"
        settings.REDIS_URL = url
        for queue in settings.RQ_QUEUES.values():
            queue["URL"] = url
        settings.CACHES["default"]["LOCATION"] = url
    # Jobs on the "default" queue run at once, in the process that enqueues them (django-rq's synchronous
    # queue): the CSS callbacks' apply jobs (recordings/media/enqueue.py), so a test that posts a callback sees
    # it applied. Tests of the queued path set ASYNC back to True and run a worker themselves.
    settings.RQ_QUEUES["default"]["ASYNC"] = False
    # Tests read the Chinese catalogs (issue #18): compile each .po whose .mo is missing or older (`make test`
    # has compiled them all already; this covers a bare pytest run after a .po changed).
    from dashboard.tests.i18n_support import compile_catalogs

    compile_catalogs()


@pytest.fixture(autouse=True)
def call_log_database(request: pytest.FixtureRequest, settings: Any) -> None:
    """The Tencent call log commits on its own connection (tencent/calllog.py), which only a transactional test
    that allows the alias may use: `django_db(transaction=True, databases=[..., "calllog"])`. In any other test
    it writes in the test's own transaction, so its rows never outlive the test."""
    marker = request.node.get_closest_marker("django_db")
    kwargs = marker.kwargs if marker else {}
    databases = kwargs.get("databases") or ()
    if not (kwargs.get("transaction") and (databases == "__all__" or "calllog" in databases)):
        settings.CALL_LOG_DATABASE = "default"


def make_user(username: str, role: Role | None = None, **extra: Any) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.com", **extra
    )
    if role is not None:
        # get_or_create: a transactional test's flush empties the groups the migration created.
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def operator(db: None) -> User:
    return make_user("olivia", Role.OPERATOR)


@pytest.fixture
def manager(db: None) -> User:
    return make_user("mark", Role.MANAGER)


@pytest.fixture
def moderator(db: None) -> User:
    return make_user("maya", Role.MODERATOR)


@pytest.fixture
def role_user(db: None) -> Callable[[str], User | None]:
    """role_user("operator" | "manager" | "moderator" | "anonymous") → a user of that role (None = anonymous)."""
    roles = {"operator": Role.OPERATOR, "manager": Role.MANAGER, "moderator": Role.MODERATOR}

    def build(name: str) -> User | None:
        if name == "anonymous":
            return None
        return make_user(f"user-{name}", roles[name])

    return build


@pytest.fixture
def client_as(db: None) -> Callable[[User | None], Client]:
    def build(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def api_token(db: None) -> Callable[[User], str]:
    from dashboard.services import api_token_create

    def build(user: User) -> str:
        return api_token_create(user=user, name="test")[1]

    return build


class CspBypassingBrowser:
    """The browser, whose contexts bypass the console's Content-Security-Policy unless told otherwise:
    Playwright evaluates `wait_for_function`'s predicate with eval, which script-src 'self' forbids.
    dashboard/tests/test_csp.py opens its contexts with bypass_csp=False and checks the policy itself."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        options.setdefault("bypass_csp", True)
        # English unless a test asks for another language: the console follows Accept-Language (issue #18),
        # and headless Chromium's default depends on the machine's locale.
        options.setdefault("locale", "en-US")
        return self._browser.new_context(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield CspBypassingBrowser(instance)
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    # Generous: CI machines have 2 cores and the suite runs on both, next to ffmpeg encoders.
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def browser_login(live_server: Any) -> Callable[[Any, User], None]:
    def login(page: Any, user: User) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.get_username())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return login


@pytest.fixture
def emulator(settings: Any) -> Iterator[Any]:
    """A Tencent Cloud emulator (emulator.testing.RunningEmulator) on a free port for this test, fast settings,
    with the console's TENCENT_*/CSS_*/VOD_*/COS_* settings pointed at it. Callbacks go nowhere until
    `emulator_callbacks_to(live_server)` (or `emulator.set_callback_url(...)`)."""
    from emulator.testing import running_emulator

    with running_emulator(
        # Strict, time-scaled: files come late, tasks take effect late, a UserId stays busy after a call.
        EMULATOR_FILE_DELAY_SECONDS=0.3,
        EMULATOR_RECORD_ACTIVATION_SECONDS=0.3,
        EMULATOR_CAR_PROCESSING_SECONDS=0.2,
        # The console's test settings send CAR_USER_IP=127.0.0.1, as its demo does.
        EMULATOR_CAR_ALLOW_PRIVATE_USER_IP=1,
        # Browser tests play its recordings: the setup pushes H.264 (H.265 gets the live page's warning).
        EMULATOR_PUSH_CODEC="h264",
        EMULATOR_CALLBACK_RETRY_SECONDS=0.2,
        EMULATOR_SEGMENT_SECONDS=1,
        EMULATOR_CALLBACK_URL="http://127.0.0.1:9/callbacks/css/",
    ) as running:
        running.apply_settings(settings)
        yield running


@pytest.fixture
def restore_emulator(settings: Any) -> Iterator[Any]:
    """An emulator for the storage lifecycle's tests: retrievals 10,000x faster than Tencent's (ARCHIVE
    Expedited, 5 min, takes 0.03 s; Standard, 5 h, 1.8 s), CSS callbacks going nowhere."""
    from emulator.testing import running_emulator

    with running_emulator(
        restore_time_scale=0.0001, EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused"
    ) as running:
        running.apply_settings(settings)
        yield running


@pytest.fixture
def emulator_callbacks_to(emulator: Any) -> Callable[[Any], None]:
    """emulator_callbacks_to(live_server): the emulator's CSS callbacks reach the console under test."""

    def point(live_server: Any) -> None:
        emulator.set_callback_url(f"{live_server.url}/callbacks/css/")

    return point
