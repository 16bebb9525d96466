"""Budgets price the actual recordings' storage by the retention policy in effect (the room's own, else its
app's; kept forever without one), as the estimates do, and a policy saved or deleted reprices the cached budget
statuses at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.actuals import recordings_by_app
from billing.budget_cache import budget_statuses_cached
from billing.models import Budget
from billing.policy import storage_plan
from billing.services import budget_statuses
from billing.tests.test_budgets import make_app, make_session
from lifecycle.models import RetentionPolicy
from lifecycle.services import retention_policy_save

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


def this_month():
    return timezone.localdate().replace(day=1)


def spent() -> Decimal:
    return budget_statuses_cached(this_month())[0].spent


def test_actual_recordings_are_stored_as_the_policy_in_effect_plans() -> None:
    app = make_app()
    other = make_app("Other")
    session = make_session(app, timezone.now() - timedelta(hours=3), 60)
    ruled = make_session(app, timezone.now() - timedelta(hours=2), 60)
    make_session(other, timezone.now() - timedelta(hours=2), 60)
    retention_policy_save(client_app=app, data={"keep_days": 90, "standard_ia_after_days": 30}, actor=None)
    retention_policy_save(room=ruled.room, data={"keep_days": 7}, actor=None)
    with CaptureQueriesContext(connection) as queries:
        planned = recordings_by_app(this_month(), [app, other])
    assert len(queries) <= 3  # sessions, their files, the policies: none per session
    plans = {
        recording.label: (recording.retention_days, recording.transitions)
        for recordings in planned.values()
        for recording in recordings
    }
    assert plans[f"session {session.pk}"] == (90, ((30, "STANDARD_IA"),))
    assert plans[f"session {ruled.pk}"] == (7, ())  # the room's own policy wins over its app's
    assert storage_plan(room=ruled.room).retention_days == 7
    assert [recording.retention_days for recording in planned[other.pk]] == [None]  # no policy: kept forever


def test_a_policy_saved_or_deleted_reprices_the_cached_budget(manager: User) -> None:
    app = make_app()
    Budget.objects.create(app=app, amount_usd=Decimal(1000))
    make_session(app, timezone.now() - timedelta(hours=3), 600)
    forever = spent()  # no policy: kept forever (its first year priced, as the estimates do)
    assert forever == budget_statuses(this_month())[0].spent
    retention_policy_save(client_app=app, data={"keep_days": 30}, actor=manager)
    month = spent()
    assert month == budget_statuses(this_month())[0].spent and month < forever
    RetentionPolicy.objects.filter(client_app=app).delete()
    assert spent() == forever
