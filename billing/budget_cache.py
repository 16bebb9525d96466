"""This month's budget statuses for the pages that show them (the budget list, the overview's panel), cached.

Pricing a month of actual sessions is ~1,000 sessions and their files through the estimator — over 100 ms of CPU
at 100k sessions — and the overview draws it on every visit of a manager. The figures are kept for a minute
(a session's spending grows with the clock and changes with every start and stop: the page shows it at most a
minute late) under a version that any change of what prices them renews at once — a budget saved or deleted, a
price book added, a client app's spec or bitrate edited, a retention policy saved or deleted (the signals
below, in admin too) — so an edited budget is
right on the next request. A warm read is two cache reads and no SQL. Alerts and webhooks keep calling
`budget_statuses` itself: they act on the figure of the moment.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction

from billing.services import BudgetStatus, budget_statuses

STATUSES_SECONDS = 60
VERSION_KEY = "billing:budget-statuses-version"


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if not isinstance(version, str):
        version = uuid.uuid4().hex
        cache.set(VERSION_KEY, version, None)
    return version


def budget_statuses_cached(month: date) -> list[BudgetStatus]:
    """`budget_statuses(month)` as of at most STATUSES_SECONDS ago, and never from before a change of a budget,
    price book or client app."""
    first = month.replace(day=1)
    key = f"billing:budget-statuses:{first.isoformat()}:{_version()}"
    statuses = cache.get(key)
    if not isinstance(statuses, list):
        statuses = budget_statuses(first)
        cache.set(key, statuses, STATUSES_SECONDS)
    return statuses


def _renew_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def pricing_changed(**_: Any) -> None:
    """post_save / post_delete of a Budget, PriceBook, ClientApp or RetentionPolicy: a new version now (this transaction's own
    later reads see the change) and again once it is committed (a page read in between could have stored the
    figures from before the change under the first new version)."""
    _renew_version()
    transaction.on_commit(_renew_version)
