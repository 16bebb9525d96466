"""Browser crawl support: seeded demo data, role logins by session cookie, and a bounded same-site crawl.

Used by the accessibility and layout tests. The crawl starts at "/" and follows same-site links (GET only),
visiting at most `per_pattern` URLs of each URL pattern, so it covers every page a role can reach without
walking every row of every list.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from billing.list_prices import LIST_PRICES_2024
from billing.models import PriceBook
from dashboard.access import Role
from recordings.models import ClientApp, ClientAppKind, CssCallbackEvent, Room
from recordings.review.tests.support import make_file, make_session
from recordings.sessions.lifecycle import SessionState
from tencent.models import ApiCall

AXE_PATH = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The superuser reaches every page and goes first with two URLs per pattern; each role then re-checks one per
# pattern for what only it sees (its buttons, its empty states), which keeps the crawl within a minute or so.
ROLES = ("admin", "operator", "manager", "moderator")
# Views never crawled: they act, download, answer JSON, or are Django's own admin UI (not this console's).
SKIPPED_VIEWS = frozenset({"logout", "openapi_json", "billing:report_csv", "recordings:file_signed_url"})
SKIPPED_PREFIXES = ("/admin/", "/api/v1/", "/callbacks/css/", "/static/", "/media/")
# Unroutable on purpose: a page that loads a file's media must fail fast, not wait on the network.
DEAD_MEDIA_URL = "http://127.0.0.1:9/vod/file.mp4"


def seed_demo_data() -> None:
    """The demo as `seed_demo` builds it, plus a recorded history so detail pages exist to crawl."""
    for role in Role:  # a transactional test's flush removes the groups and price book the migrations made
        Group.objects.get_or_create(name=role.value)
    PriceBook.objects.get_or_create(
        version=1,
        defaults={
            "name": "Tencent Cloud international list prices",
            "effective_from": date(2024, 10, 1),
            "prices": LIST_PRICES_2024,
        },
    )
    call_command("seed_demo", stdout=_Discard())
    now = timezone.now()
    for index, room in enumerate(Room.objects.filter(is_active=True).order_by("pk")[:2]):
        session = make_session(room, start=now - timedelta(hours=3 + index))
        make_file(session=session, url=DEAD_MEDIA_URL, start=now - timedelta(hours=3 + index))
    failed = make_session(Room.objects.order_by("pk")[0], start=now - timedelta(days=1))
    failed.state = SessionState.FAILED
    failed.save(update_fields=["state"])
    long_app = ClientApp.objects.create(
        name=_long("App", ClientApp, "name"),
        kind=ClientAppKind.WEB,
        url="https://example.com/" + "x" * 400,
        car_project_id="cap-test0001",
        notes="N" * 800,
    )
    long_room = Room.objects.create(
        name=_long("Room", Room, "name"),
        room_key=_long("key", Room, "room_key"),
        stream_name=_long(
            "stream", Room, "stream_name", 56
        ),  # room sessions suffix it to a 64-char CAR UserId
        client_app=long_app,
        tags=",".join([_long("tag", Room, "tags", 200), "music"]),
        entry_parameters="--token=" + "t" * 400,
    )
    session = make_session(long_room, start=now - timedelta(hours=2))
    make_file(session=session, url=DEAD_MEDIA_URL + "?" + "q" * 400, start=now - timedelta(hours=2))
    CssCallbackEvent.objects.create(
        event_type=1, stream_name="live-1001", dedupe_key="a11y-1", raw_body="{}", payload={"event_type": 1}
    )
    ApiCall.objects.create(service="car", action="ApplyConcurrent", outcome=ApiCall.Outcome.OK, request={})


def _long(prefix: str, model: type[Model], name: str, length: int | None = None) -> str:
    """An unbroken string as long as the field takes (at most `length`): the worst case for wrapping."""
    limit = getattr(model._meta.get_field(name), "max_length", None) or 200
    return (prefix + "-" + "W" * 1000)[: min(limit, length or limit)]


class _Discard:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def role_user(role: str) -> User:
    return User.objects.get(username=role)


def login_context(browser: Any, live_server: Any, user: User, *, width: int, height: int = 900) -> Any:
    """A browser context logged in as `user` through a server-side session (no login page round trip)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(30_000)
    log_in(context, live_server, user)
    return context


def log_in(context: Any, live_server: Any, user: User) -> None:
    """Make the context's session that of `user` (and no one else's)."""
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


@dataclass
class CrawledPage:
    url: str
    path: str
    view: str
    status: int


@dataclass
class Crawl:
    """Breadth-first same-site crawl; `visit(page, crawled)` runs on every HTML page that answered."""

    base_url: str
    per_pattern: int = 2
    seen: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    per_view: dict[str, int] = field(default_factory=dict)

    def _normalise(self, href: str) -> str | None:
        parts = urlsplit(href)
        base = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or parts.netloc != base.netloc:
            return None
        if parts.path.startswith(SKIPPED_PREFIXES):
            return None
        return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))

    def _admit(self, url: str) -> bool:
        path = urlsplit(url).path
        if url in self.seen or path in self.paths:  # another query of a page already taken adds little
            return False
        view = view_name(path)
        if view is None or view in SKIPPED_VIEWS:
            return False
        if self.per_view.get(view, 0) >= self.per_pattern:
            return False
        self.seen.add(url)
        self.paths.add(path)
        self.per_view[view] = self.per_view.get(view, 0) + 1
        return True

    def run(self, page: Any, visit: Callable[[Any, CrawledPage], None]) -> list[CrawledPage]:
        queue: deque[str] = deque()
        start = self.base_url + "/"
        self._admit(start)
        queue.append(start)
        crawled: list[CrawledPage] = []
        while queue:
            url = queue.popleft()
            response = page.goto(url, wait_until="load")
            status = response.status if response else 0
            path = urlsplit(page.url).path
            entry = CrawledPage(url=url, path=path, view=view_name(path) or "?", status=status)
            crawled.append(entry)
            content_type = (response.headers.get("content-type", "") if response else "") or ""
            if status >= 400 or "text/html" not in content_type:
                continue
            visit(page, entry)
            for href in page.eval_on_selector_all(
                "a[href]:not([download])", "links => links.map(link => link.href)"
            ):
                normalised = self._normalise(href)
                if normalised and self._admit(normalised):
                    queue.append(normalised)
        return crawled


def crawl_as_each_role(
    browser: Any,
    live_server: Any,
    *,
    width: int,
    per_pattern: Callable[[str], int],
    check: Callable[[Any, str, str], Iterable[str | None]],
) -> list[str]:
    """Crawl as each of ROLES at `width`, `per_pattern(role)` URLs per URL pattern; `check(page, label, path)`
    names the problems of each page (None = fine). One browser context for all roles keeps its HTTP cache."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    problems: list[str] = []
    try:
        for role in ROLES:
            log_in(context, live_server, role_user(role))

            def visit(page: Any, crawled: CrawledPage, role: str = role) -> None:
                found = check(page, f"[{role}] {crawled.path}", crawled.path)
                problems.extend(problem for problem in found if problem)

            page = context.new_page()
            crawled = Crawl(live_server.url, per_pattern=per_pattern(role)).run(page, visit)
            page.close()
            problems.extend(
                f"[{role}] {entry.path} answered {entry.status}" for entry in crawled if entry.status >= 400
            )
            if len(crawled) < 10:
                problems.append(f"[{role}] the crawl reached only {[entry.path for entry in crawled]}")
    finally:
        context.close()
    return problems


@cache
def _axe_source() -> str:
    with open(AXE_PATH, encoding="utf-8") as source:
        return source.read()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the current page.

    axe is evaluated through the DevTools protocol, which the console's Content-Security-Policy does not govern
    (`add_script_tag` would insert an inline script, which the policy rightly refuses)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate("() => {\n" + _axe_source() + "\n}")
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return list(result["violations"])


def describe_violations(url: str, violations: list[dict[str, Any]]) -> Iterator[str]:
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            yield f"{url}: {violation['id']} ({violation['impact']}) at {target} — {node['failureSummary']}"


def overflow_problem(page: Any, label: str) -> str | None:
    """The page is wider than the viewport (a horizontal page scrollbar), naming the outermost culprits."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    if widths[0] <= widths[1]:
        return None
    culprits = page.evaluate(
        """() => [...document.querySelectorAll('.content *')]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
            .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= innerWidth + 1)
            .slice(0, 3)
            .map(el => el.tagName.toLowerCase() + [...el.classList].map(name => '.' + name).join(''))"""
    )
    return (
        f"{label}: {widths[0]} px wide in a {widths[1]} px viewport (first too wide: {', '.join(culprits)})"
    )


def sidebar_problem(page: Any, label: str, path: str) -> str | None:
    """Exactly one sidebar item is highlighted: the one whose URL is the longest prefix of the page's path."""
    links = page.eval_on_selector_all(
        ".sidebar .nav-link",
        "links => links.map(link => [link.getAttribute('href'), link.classList.contains('active')])",
    )
    if not links:
        return None
    hrefs = [href for href, _ in links]
    prefixes = [href for href in hrefs if (path == href if href == "/" else path.startswith(href))]
    expected = [max(prefixes, key=len)] if prefixes else []
    active = [href for href, is_active in links if is_active]
    if active != expected:
        return f"{label}: sidebar highlights {active or 'nothing'}, expected {expected or 'nothing'}"
    return None
