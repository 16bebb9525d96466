from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.estimator import PlanContext
from billing.models import Budget, BudgetLevel
from billing.services import budget_status, status_of
from billing.tests.factories import DECEMBER, at, rec
from dashboard.models import AuditEntry
from lifecycle.models import RetentionPolicy
from recordings.models import ClientApp, RecordingSession, Room
from recordings.sessions.lifecycle import SessionState, Trigger

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

SINGAPORE = PlanContext("singapore", "AP1", "outside", "singapore")


def make_app(name: str = "Lobby") -> ClientApp:
    return ClientApp.objects.create(name=name, kind="APK", car_project_id="cap-test0001")


def make_session(app: ClientApp, start, minutes: int, **extra) -> RecordingSession:
    key = f"r{Room.objects.count()}"
    room = Room.objects.create(name=key, room_key=key, stream_name=key, client_app=app)
    end = start + timedelta(minutes=minutes)
    values = {
        "room": room,
        "trigger": Trigger.MANUAL,
        "state": SessionState.COMPLETED,
        "state_changed_at": end,
        "planned_start": start,
        "planned_end": end,
        "car_project_id": "cap-test0001",
        "concurrency_applied_at": start,
        "ended_at": end,
    }
    values.update(extra)
    return RecordingSession.objects.create(**values)


@pytest.mark.parametrize(
    ("spent", "level", "blocks"),
    [
        ("79.99", BudgetLevel.OK, False),
        ("80", BudgetLevel.WARNING, False),
        ("100", BudgetLevel.EXCEEDED, True),
    ],
)
def test_levels_at_the_thresholds(spent, level, blocks):
    app = make_app()
    budget = Budget(app=app, amount_usd=Decimal(100), warning_percent=80, block_manual_starts=True)
    status = status_of(app=app, month=DECEMBER, budget=budget, spent=Decimal(spent))
    assert (status.level, status.blocks_manual_starts) == (level, blocks)
    assert status.ratio == Decimal(spent) / 100


def test_exceeded_blocks_only_when_the_budget_says_so():
    app = make_app()
    budget = Budget(app=app, amount_usd=Decimal(10), block_manual_starts=False)
    status = status_of(app=app, month=DECEMBER, budget=budget, spent=Decimal(50))
    assert status.level == BudgetLevel.EXCEEDED and not status.blocks_manual_starts


def test_without_budget_everything_is_ok():
    status = budget_status(app=make_app(), month=DECEMBER, recordings=[rec(at(1, 10))], context=SINGAPORE)
    assert status.limit is None and status.level == BudgetLevel.OK and status.spent > 40


def test_injected_recordings_are_priced_and_the_month_budget_beats_the_recurring_one():
    app = make_app()
    Budget.objects.create(app=app, amount_usd=Decimal(1000))
    Budget.objects.create(app=app, month=DECEMBER, amount_usd=Decimal(50), block_manual_starts=True)
    one = [rec(at(1, 10), 120)]
    warning = budget_status(app=app, month=at(15).date(), recordings=one, context=SINGAPORE)
    assert warning.limit == 50 and warning.level == BudgetLevel.WARNING  # one S daily pack: $40 + fees
    two = [*one, rec(at(2, 10), 120)]
    exceeded = budget_status(app=app, month=DECEMBER, recordings=two, context=SINGAPORE)
    assert exceeded.level == BudgetLevel.EXCEEDED and exceeded.blocks_manual_starts
    january = budget_status(
        app=app, month=DECEMBER.replace(year=2027, month=1), recordings=[], context=SINGAPORE
    )
    assert january.limit == 1000 and january.spent == 0


def test_spent_defaults_to_the_apps_actual_sessions_in_the_month():
    app, other = make_app(), make_app("Other")
    make_session(app, at(3, 10), 120)
    make_session(app, at(3, 10) - timedelta(days=40), 120)  # October: not this month
    make_session(other, at(4, 10), 120)
    make_session(app, at(5, 10), 60, concurrency_applied_at=None, state=SessionState.FAILED)  # never held one
    Budget.objects.create(app=app, amount_usd=Decimal(100))
    # The actual files are stored as the app's retention policy plans (kept forever without one).
    RetentionPolicy.objects.create(client_app=app, keep_days=30)
    status = budget_status(app=app, month=DECEMBER, context=SINGAPORE)
    # One daily S pack ($40) + 1 channel x 1/31 x 5.2941 + 7.2 GB... of MP4 kept 30 days on VOD.
    assert Decimal(40) < status.spent < Decimal(41)
    assert status.level == BudgetLevel.OK


@pytest.mark.parametrize(
    ("name", "needs_pk"),
    [("billing:budget_list", False), ("billing:budget_create", False), ("billing:budget_edit", True)],
)
@pytest.mark.parametrize(
    ("role", "expected"), [("manager", 200), ("operator", 403), ("moderator", 403), ("anonymous", 302)]
)
def test_budget_pages_permission_matrix(role_user, client_as, name, needs_pk, role, expected):
    budget = Budget.objects.create(app=make_app(), amount_usd=Decimal(10))
    url = reverse(name, args=[budget.pk] if needs_pk else [])
    assert client_as(role_user(role)).get(url).status_code == expected


def test_moderator_cannot_delete(role_user, client_as):
    budget = Budget.objects.create(app=make_app(), amount_usd=Decimal(10))
    response = client_as(role_user("moderator")).post(reverse("billing:budget_delete", args=[budget.pk]))
    assert response.status_code == 403 and Budget.objects.exists()


def test_manager_creates_edits_and_deletes_a_budget_all_audited(client_as, manager):
    client = client_as(manager)
    app = make_app()
    data = {
        "app": app.pk,
        "month": "",
        "amount_usd": "250",
        "warning_percent": "80",
        "block_manual_starts": "on",
    }
    assert client.post(reverse("billing:budget_create"), data).status_code == 302
    budget = Budget.objects.get()
    assert budget.month is None and budget.block_manual_starts and budget.created_by == manager
    duplicate = client.post(reverse("billing:budget_create"), data)
    assert "already has an every-month budget" in duplicate.content.decode()
    edited = client.post(reverse("billing:budget_edit", args=[budget.pk]), {**data, "month": "2026-12"})
    assert edited.status_code == 302
    budget.refresh_from_db()
    assert budget.month == DECEMBER
    client.post(reverse("billing:budget_delete", args=[budget.pk]))
    assert not Budget.objects.exists()
    actions = list(AuditEntry.objects.filter(action__startswith="budget.").values_list("action", flat=True))
    assert sorted(actions) == ["budget.create", "budget.delete", "budget.update"]
    update = AuditEntry.objects.get(action="budget.update")
    assert update.changes["month"] == [None, "2026-12-01"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount_usd", "0"), ("warning_percent", "100"), ("month", "2026-13"), ("month", "0000-06")],
)
def test_invalid_budgets_are_rejected(client_as, manager, field, value):
    data = {"app": make_app().pk, "month": "", "amount_usd": "250", "warning_percent": "80", field: value}
    response = client_as(manager).post(reverse("billing:budget_create"), data)
    assert response.status_code == 200 and not Budget.objects.exists()


def test_budget_list_shows_this_months_status_in_few_queries(
    client_as, manager, django_assert_max_num_queries
):
    from django.utils import timezone

    client = client_as(manager)
    for index in range(4):
        app = make_app(f"App {index}")
        Budget.objects.create(app=app, amount_usd=Decimal(10))
        make_session(app, timezone.now() - timedelta(hours=3), 60)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("billing:budget_list")).content.decode()
    assert body.count("exceeded") >= 4


def test_overview_panel_alerts_managers_only(client_as, manager, role_user):
    from django.utils import timezone

    app = make_app()
    Budget.objects.create(app=app, amount_usd=Decimal(10), block_manual_starts=True)
    make_session(app, timezone.now() - timedelta(hours=3), 60)
    body = client_as(manager).get(reverse("overview")).content.decode()
    assert "Budget alerts" in body and "manual starts blocked" in body
    assert "Budget alerts" not in client_as(role_user("moderator")).get(reverse("overview")).content.decode()


def test_demo_seed_is_idempotent():
    from billing.demo import DEMO_BUDGETS, seed

    for name in DEMO_BUDGETS:
        make_app(name)
    assert len(seed()) == len(DEMO_BUDGETS)
    assert seed() == []
    assert Budget.objects.count() == len(DEMO_BUDGETS)
