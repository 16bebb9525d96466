"""The Content-Security-Policy: sent on every page, strict for scripts, media origins from the settings; in a
browser, the main pages (players, charts, htmx, Swagger UI) run without a single CSP violation."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.test.client import RequestFactory
from django.utils import timezone

from dashboard.access import Role
from dashboard.csp import media_origins
from dashboard.tests.crawl import crawl, route_samples
from dashboard.tests.test_sqlite_demo import logged_in, seed_postgresql

BASE_DIR = Path(__file__).resolve().parents[2]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {words[0]: words[1:] for words in parsed}


class PolicyRecordingClient(Client):
    """A test client that remembers the Content-Security-Policy header of each HTML page it fetched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policies: dict[str, str | None] = {}

    def get(self, path: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().get(path, *args, **kwargs)
        if response.get("Content-Type", "").startswith("text/html"):
            self.policies[path] = response.get("Content-Security-Policy")
        return response


def assert_strict(policy: str) -> None:
    found = directives(policy)
    assert found["script-src"][0] == "'self'"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(found["script-src"])
    assert found["object-src"] == ["'none'"] and found["base-uri"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"] and found["form-action"] == ["'self'"]
    for name in ("default-src", "media-src", "connect-src", "img-src", "worker-src"):
        assert "*" not in found[name] and not any(source.startswith("*") for source in found[name]), name


@pytest.mark.parametrize("role", ["anonymous", "admin", "operator"])
def test_every_crawled_page_sends_the_strict_policy(db: None, settings: Any, role: str) -> None:
    seed_postgresql(settings)
    client = PolicyRecordingClient()
    if role != "anonymous":
        client.cookies = logged_in(role).cookies
    crawl(client, "/", also=route_samples() if role == "anonymous" else (), per_pattern=1)

    assert len(client.policies) > (5 if role == "anonymous" else 25), sorted(client.policies)
    missing = [url for url, policy in client.policies.items() if not policy]
    assert not missing
    for policy in set(client.policies.values()):
        assert policy is not None
        assert_strict(policy)
        # The emulator (where the demo's players fetch from) is named, by its configured address.
        assert settings.CSS_PLAY_BASE_URL in directives(policy)["media-src"]


def test_media_origins_follow_the_settings_of_a_real_account(settings: Any) -> None:
    settings.USING_EMULATOR = False
    settings.CSS_PLAY_BASE_URL = ""
    settings.CSS_PLAY_DOMAIN = "play.example.com"
    settings.COS_ENDPOINT = ""
    settings.COS_BUCKET = "rec-1250000000"
    settings.COS_REGION = "ap-singapore"
    settings.TENCENT_APPID = "1250000000"
    settings.VOD_SUBAPP_ID = 1500001234
    settings.CSP_MEDIA_ORIGINS = ["https://cdn.example.com/vod/", "not a url"]

    assert media_origins() == [
        "https://play.example.com",
        "https://rec-1250000000.cos.ap-singapore.myqcloud.com",
        "https://1250000000.vod2.myqcloud.com",
        "https://1500001234.vod2.myqcloud.com",
        "https://cdn.example.com",
    ]


def test_media_origins_of_the_emulator_are_its_address(settings: Any) -> None:
    settings.USING_EMULATOR = True
    settings.CSS_PLAY_BASE_URL = "http://127.0.0.1:45678"
    settings.COS_ENDPOINT = "127.0.0.1:45678"
    settings.CSP_MEDIA_ORIGINS = []

    assert media_origins() == ["http://127.0.0.1:45678"]


def test_django_rq_pages_allow_only_their_own_inline_script_by_hash() -> None:
    from django.http import HttpResponse

    from dashboard.csp import ConsoleCSPMiddleware, django_rq_script_hashes

    hashes = django_rq_script_hashes()
    assert hashes and all(value.startswith("'sha256-") for value in hashes)
    middleware = ConsoleCSPMiddleware(lambda request: HttpResponse())
    policies = {}
    for path in ("/admin/rq/queues/0/", "/recordings/"):
        response = middleware(RequestFactory().get(path))
        assert isinstance(response, HttpResponse)
        policies[path] = response["Content-Security-Policy"]
    rq, other = policies["/admin/rq/queues/0/"], policies["/recordings/"]
    assert set(hashes) <= set(directives(rq)["script-src"])
    assert directives(other)["script-src"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    templates = [*BASE_DIR.glob("templates/**/*.html"), *BASE_DIR.glob("*/templates/**/*.html")]
    assert len(templates) > 50
    offending = [
        f"{path.relative_to(BASE_DIR)}: {match.group(0)}"
        for path in templates
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, re.compile("javascript:", re.I))
        for match in pattern.finditer(path.read_text())
    ]
    assert not offending


# Collects what a strict CSP blocks: the securitypolicyviolation events of the page (set before any script).
VIOLATIONS_SCRIPT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def record_a_file(emulator: Any, stream: str) -> None:
    from recordings.media.tests.support import start_push
    from tencent import css

    task = css.create_record_task(
        stream_name=stream, end_time=timezone.now() + timedelta(minutes=10), template_id=1
    )
    start_push(stream)
    time.sleep(4)
    css.stop_record_task(task_id=task.task_id)


@pytest.mark.browser
@pytest.mark.emulator
@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_main_pages_run_without_a_csp_violation(
    live_server: Any,
    browser: Any,
    browser_login: Any,
    emulator: Any,
    emulator_callbacks_to: Any,
    settings: Any,
) -> None:
    from django.contrib.auth.models import User

    from billing.list_prices import LIST_PRICES_2024
    from billing.models import PriceBook
    from recordings.media.tests.support import make_room, make_session, start_push, wait_for
    from recordings.models import FileFormat, RecordingFile, StreamPush

    for role in Role:
        Group.objects.get_or_create(name=role.value)
    PriceBook.objects.get_or_create(
        version=1, defaults={"name": "List", "effective_from": date(2024, 10, 1), "prices": LIST_PRICES_2024}
    )
    emulator_callbacks_to(live_server)
    admin = User.objects.create_superuser("csp-admin", "a@example.com", "correct-horse-battery-staple")

    recorded = make_room(name="Recorded room", stream_name="csp-recorded")
    record_a_file(emulator, "csp-recorded")
    wait_for(lambda: RecordingFile.objects.filter(format=FileFormat.MP4).exists(), what="an MP4 file")
    wait_for(lambda: RecordingFile.objects.filter(format=FileFormat.HLS).exists(), what="an HLS file")
    mp4 = RecordingFile.objects.filter(format=FileFormat.MP4).first()
    hls = RecordingFile.objects.filter(format=FileFormat.HLS).first()
    assert mp4 and hls
    session = make_session(recorded, stream_name="csp-recorded", start=timezone.now() - timedelta(minutes=5))
    live_room = make_room(name="Live room", stream_name="csp-live")
    start_push("csp-live")
    wait_for(lambda: StreamPush.objects.live().filter(room=live_room).exists(), what="push-started callback")

    # The CSP enforced (the other browser tests bypass it), and no wait_for_function: Playwright evals it.
    context = browser.new_context(viewport={"width": 1360, "height": 900}, bypass_csp=False)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.add_init_script(VIOLATIONS_SCRIPT)

    def until(expression: str, timeout_s: float = 40) -> None:
        deadline = time.monotonic() + timeout_s
        while not page.evaluate(expression):
            violations = page.evaluate("window.__cspViolations")
            assert time.monotonic() < deadline, f"timed out on {page.url}: {expression}; CSP: {violations}"
            page.wait_for_timeout(200)

    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{page.url}: {message.text}"))
    browser_login(page, admin)

    def visit(path: str, ready: str | None = None) -> None:
        page.goto(f"{live_server.url}{path}")
        if ready:
            until(ready)
        page.wait_for_timeout(500)
        found = page.evaluate("window.__cspViolations")
        assert not found, f"{path}: {found}"

    visit("/")
    visit(f"/live/rooms/{live_room.pk}/", "document.getElementById('live-video').currentTime > 1")
    page.check("input[name=protocol][value=flv]")  # mpegts.js: its worker and its fetches
    until("document.getElementById('live-player').dataset.protocol === 'flv'")
    page.wait_for_timeout(1500)
    assert not page.evaluate("window.__cspViolations")
    visit(f"/recordings/{session.pk}/")
    visit(f"/files/{mp4.pk}/", "document.querySelector('#file-player video').currentTime > 0.5")
    visit(f"/files/{hls.pk}/", "document.querySelector('#file-player video').readyState >= 2")
    visit(f"/review/files/{mp4.pk}/", "document.querySelector('video').readyState >= 2")
    visit("/costs/", "document.querySelectorAll('.js-plotly-plot').length === 4")
    visit("/costs/calculator/", "document.querySelectorAll('#estimate .js-plotly-plot').length >= 1")
    page.click("text=Add recording")  # an htmx swap redraws the charts from their data blocks
    until("document.querySelectorAll('#estimate .js-plotly-plot').length >= 1")
    assert not page.evaluate("window.__cspViolations")
    visit("/schedules/new/")
    visit("/api/docs/", "document.querySelectorAll('.opblock').length > 3")

    blocked = [message for message in messages if "Content Security Policy" in message]
    context.close()
    assert not blocked, blocked
