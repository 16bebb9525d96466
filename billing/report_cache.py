"""The month's priced report, cached for a minute: the cost pages summarise a month of history, and pricing
50,000 sessions twice takes the better part of a second, which no page view should pay again and again.

A report is kept, with its PAGE_ROOMS most costly rooms, per database, month and price book version, with the moment it was computed; the page says
how old its figures are. After REPORT_FRESH_SECONDS the next view recomputes it (so a change shows within a
minute); the CSV export always prices the month afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.utils import translation

from billing.models import PriceBook
from billing.report_data import PricedReport, price_report
from billing.services import price_book_for

REPORT_FRESH_SECONDS = 60
PAGE_ROOMS = 25  # the rooms the report page lists (the CSV, priced afresh, has them all)


@dataclass(frozen=True)
class CachedReport:
    priced: PricedReport
    computed_at: datetime


def _key(month: date, book: PriceBook) -> str:
    # The database's name: two test workers (or two deployments) sharing one Redis never see each other's.
    return f"billing:report:{connection.settings_dict['NAME']}:{month:%Y-%m}:{book.pk}.{book.version}"


def _index_key(month: date) -> str:
    return f"billing:report-keys:{connection.settings_dict['NAME']}:{month:%Y-%m}"


def cached_report(*, month: date, now: datetime) -> CachedReport:
    """The month's report as of at most REPORT_FRESH_SECONDS ago (NoPriceBookError without a price book)."""
    book = price_book_for(month.replace(day=1))
    key = _key(month, book)
    found = cache.get(key)
    if isinstance(found, CachedReport) and now - found.computed_at < timedelta(seconds=REPORT_FRESH_SECONDS):
        return found
    priced = price_report(month=month, book=book, now=now)
    # The page's rooms only, and no per-room shares in the totals: a month of 1,000 rooms was 280 KB unpickled on
    # every view, 9,000 objects held by the unpickler at once, enough to set off a full garbage collection
    # (100 ms) every tenth view.
    fresh = CachedReport(replace(priced, report=priced.report.top(PAGE_ROOMS)), now)
    cache.set(key, fresh, REPORT_FRESH_SECONDS)
    cache.set(_index_key(month), key, REPORT_FRESH_SECONDS)
    return fresh


def cached_charts(
    *, month: date, report: CachedReport, usage_stamp: str, build: Callable[[], dict[str, str]]
) -> dict[str, str]:
    """The report's charts as HTML, drawn once per cached report and state of Tencent's figures (plotly's
    figure objects validate every property: drawing the four took longer than the rest of a cached view)."""
    # Per language too: titles and axis labels are translated when the charts are drawn (issue #18).
    key = "billing:report-charts:{}:{:%Y-%m}:{}:{}:{}".format(
        connection.settings_dict["NAME"],
        month,
        report.computed_at.timestamp(),
        usage_stamp,
        translation.get_language() or "",
    )
    found = cache.get(key)
    if isinstance(found, dict):
        return found
    drawn = build()
    cache.set(key, drawn, REPORT_FRESH_SECONDS)
    return drawn


def forget_report(month: date) -> None:
    """Drop the month's cached report (the bench's cold runs, tests that change a month's sessions)."""
    key = cache.get(_index_key(month))
    if key:
        cache.delete(key)
    cache.delete(_index_key(month))
