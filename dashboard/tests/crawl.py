"""A bounded GET-only crawl of the console as one user sees it: every same-site link (and htmx GET) found in
the pages, a few URLs per URL pattern, with each answer's status. Used on PostgreSQL in-process and on the
demo's SQLite in a subprocess (dashboard/tests/embedded_demo.py); a browser crawl can reuse `crawl` too.

Nothing here asserts: callers decide what a failure is (any 5xx; a CSV that does not answer 200).
"""

from __future__ import annotations

import re
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Links the crawl never follows: they end the session or act on data (their GET is at most a confirmation
# page, but the crawl must leave the seeded data as it found it for the other roles).
SKIPPED_WORDS = ("logout", "delete", "remove", "revoke", "drop", "/stop", "replay", "/claim", "/release")
# Served by whitenoise/the static finders, not by a view: not a page.
SKIPPED_PREFIXES = ("/static/", "/media/")
LINK_ATTRIBUTES = {"href", "hx-get", "data-href"}


@dataclass(frozen=True)
class Visit:
    url: str
    status: int
    content_type: str
    found_on: str
    seconds: float = 0.0
    error: str = ""  # the exception's traceback when the view raised (status is then 500)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in LINK_ATTRIBUTES and value and (name != "href" or tag in {"a", "area"}):
                self.links.append(value)


def links_in(html: str) -> list[str]:
    parser = _LinkParser()
    parser.feed(html)
    return parser.links


def same_site(link: str, page: str) -> str | None:
    """The link as a path?query on this site, or None (another host, a fragment, mailto:, static files…)."""
    parts = urlsplit(urljoin(f"http://testserver{page}", link.strip()))
    if parts.scheme not in {"http", "https"} or parts.hostname not in {"testserver", None}:
        return None
    path = parts.path or "/"
    if path.startswith(SKIPPED_PREFIXES) or any(word in path.lower() for word in SKIPPED_WORDS):
        return None
    return urlunsplit(("", "", path, parts.query, ""))


def pattern_of(url: str) -> str:
    """The URL pattern (route) a path resolves to; unresolvable paths count as their own pattern."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return f"{match.route}:{match.view_name}"


def crawl(
    client: Client,
    start: str = "/",
    *,
    also: Iterable[str] = (),
    per_pattern: int = 2,
    max_visits: int = 400,
) -> list[Visit]:
    """Breadth-first from `start` (then the URLs in `also`, e.g. another role's pages for an anonymous
    visitor): GET each URL once, redirects followed as links, at most `per_pattern` URLs of one URL pattern
    and `max_visits` in all. Returns every visit in order."""
    starts = list(dict.fromkeys([start, *also]))
    queue: deque[tuple[str, str]] = deque((url, "") for url in starts)
    seen = set(starts)
    per: Counter[str] = Counter()
    visits: list[Visit] = []
    while queue and len(visits) < max_visits:
        url, found_on = queue.popleft()
        pattern = pattern_of(url)
        if per[pattern] >= per_pattern:
            continue
        per[pattern] += 1
        began = time.perf_counter()
        try:
            response = client.get(url, follow=False)
        except Exception:  # the view raised: a server error, kept with its traceback
            visits.append(Visit(url, 500, "", found_on, time.perf_counter() - began, traceback.format_exc()))
            continue
        content_type = response.get("Content-Type", "")
        visits.append(Visit(url, response.status_code, content_type, found_on, time.perf_counter() - began))
        found: list[str] = []
        if response.status_code in {301, 302, 303, 307, 308}:
            found = [response["Location"]]
        elif content_type.startswith("text/html") and not getattr(response, "streaming", False):
            found = links_in(response.content.decode(response.charset or "utf-8", "replace"))
        for link in found:
            target = same_site(link, url)
            if target is not None and target not in seen:
                seen.add(target)
                queue.append((target, url))
    return visits


def failures(visits: list[Visit]) -> list[Visit]:
    """Server errors, and CSV downloads linked from a page the user saw that did not answer 200."""
    return [
        visit
        for visit in visits
        if visit.status >= 500
        or (visit.found_on and urlsplit(visit.url).path.endswith(".csv") and visit.status != 200)
    ]


SAMPLE_ARGUMENTS = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def route_samples(patterns: Iterable[Any] | None = None, prefix: str = "") -> list[str]:
    """One URL per route of the URLconf (path() routes only; arguments filled with 1 or "x"), linked from a
    page or not: for a visitor who may see none of them (anonymous), each must still answer without a 5xx."""
    from django.urls import URLResolver, get_resolver
    from django.urls.resolvers import RoutePattern

    found: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # a regex route (a few of the admin's): no sample to build
        route = re.sub(
            r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGUMENTS.get(m.group(1) or "str", "x"), str(entry.pattern)
        )
        if isinstance(entry, URLResolver):
            found += route_samples(entry.url_patterns, prefix + route)
        else:
            found.append("/" + prefix + route)
    return [url for url in dict.fromkeys(found) if same_site(url, "/") is not None]
