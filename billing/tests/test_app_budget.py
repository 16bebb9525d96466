"""The app page shows the app's budget of the month to those who see costs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Budget
from billing.tests.report_support import make_app, make_room, make_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


def test_app_page_shows_an_exceeded_budget_that_blocks_starts(client_as, manager, operator):
    app = make_app("Alpha", "S", 8000)
    started = timezone.now() - timedelta(hours=2)
    make_session(make_room(app, "room-a"), (started, 60), (started, 60))
    Budget.objects.create(app=app, amount_usd=Decimal(10), warning_percent=80, block_manual_starts=True)
    url = reverse("recordings:app_detail", args=[app.pk])
    html = client_as(manager).get(url).content.decode()
    assert 'data-testid="app-budget"' in html and "exceeded" in html and "are blocked" in html
    assert 'data-testid="app-budget"' not in client_as(operator).get(url).content.decode()


def test_app_page_without_budget_shows_no_budget_card(client_as, manager):
    app = make_app("Alpha", "S", 8000)
    html = client_as(manager).get(reverse("recordings:app_detail", args=[app.pk])).content.decode()
    assert 'data-testid="app-budget"' not in html
