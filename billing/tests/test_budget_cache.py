"""The budget pages read cached statuses (billing/budget_cache.py): the same figures as budget_statuses, renewed
by a change of a budget or client app, and no SQL for them once cached."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.budget_cache import budget_statuses_cached
from billing.models import Budget, BudgetLevel
from billing.services import budget_statuses
from billing.tests.test_budgets import make_app, make_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


def this_month():
    return timezone.localdate().replace(day=1)


def test_cached_statuses_are_budget_statuses_and_follow_an_edited_budget():
    app = make_app()
    budget = Budget.objects.create(app=app, amount_usd=Decimal(1000))
    make_session(app, timezone.now() - timedelta(hours=3), 60)
    fresh = budget_statuses(this_month())
    cached = budget_statuses_cached(this_month())
    assert [(s.app.pk, s.spent, s.level) for s in cached] == [(s.app.pk, s.spent, s.level) for s in fresh]
    assert cached[0].spent > 0 and cached[0].level == BudgetLevel.OK

    budget.amount_usd = cached[0].spent / 2  # the same spending now exceeds the budget: shown at once
    budget.save()
    assert budget_statuses_cached(this_month())[0].level == BudgetLevel.EXCEEDED


def test_a_client_app_edit_renews_the_figures():
    app = make_app()
    Budget.objects.create(app=app, amount_usd=Decimal(1000))
    make_session(app, timezone.now() - timedelta(hours=3), 60)
    before = budget_statuses_cached(this_month())[0].spent
    app.bitrate_kbps *= 4  # pushed traffic is priced by the app's bitrate
    app.save()
    after = budget_statuses_cached(this_month())[0].spent
    assert after == budget_statuses(this_month())[0].spent and after != before


def test_a_new_budget_appears_at_once():
    first = make_app("First")
    Budget.objects.create(app=first, amount_usd=Decimal(10))
    assert len(budget_statuses_cached(this_month())) == 1
    Budget.objects.create(app=make_app("Second"), amount_usd=Decimal(10))
    assert len(budget_statuses_cached(this_month())) == 2


def test_warm_budget_list_and_overview_ask_no_budget_sql(client_as, manager, django_assert_max_num_queries):
    client = client_as(manager)
    for index in range(6):
        app = make_app(f"App {index}")
        Budget.objects.create(app=app, amount_usd=Decimal(10))
        for hours in (3, 6, 9):
            make_session(app, timezone.now() - timedelta(hours=hours), 60)
    client.get(reverse("billing:budget_list"))  # computes and caches
    with django_assert_max_num_queries(7):  # session, user, groups, token nav, budgets listing (+ its apps)
        body = client.get(reverse("billing:budget_list")).content.decode()
    assert body.count("exceeded") >= 6
    with CaptureQueriesContext(connection) as overview:
        body = client.get(reverse("overview")).content.decode()
    assert "Budget alerts" in body
    # The budget panel's only SQL was three queries (budgets, price book, the month's sessions) and more
    # statements for the sessions' files: none now.
    assert not [q["sql"] for q in overview.captured_queries if "billing_" in q["sql"]]
