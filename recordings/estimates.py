"""What billing says about recordings: a recording's estimated cost before it starts, whether the app's budget
blocks manual starts, and the app's budget this month. Pricing lives in `billing`; this module is recordings' one
way into it (it only builds billing's inputs from rooms and sessions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from billing.actuals import recordings_by_app
from billing.estimator import PlannedRecording
from billing.estimator.prices import priced_spec
from billing.policy import storage_plan
from billing.services import (
    BudgetStatus,
    EstimateDelta,
    NoPriceBookError,
    billing_month,
    budget_status,
    current_budget_status,
    estimate_with_planned,
)
from recordings.models import ClientApp, Room


def recording_estimate(*, room: Room, start: datetime, minutes: int) -> EstimateDelta | None:
    """The cost of recording `room` for `minutes` from `start` (now, or a schedule's next occurrence), on top
    of the month's recordings so far; None when no price book covers the month."""
    month = billing_month(start)
    planned = [
        recording
        for recordings in recordings_by_app(month, ClientApp.objects.all()).values()
        for recording in recordings
    ]
    # Its files are priced under the retention policy that will govern them (the room's, else its app's).
    storage = storage_plan(room=room)
    extra = PlannedRecording(
        start=start,
        duration=timedelta(minutes=minutes),
        spec=priced_spec(room.client_app.concurrency_spec),
        push_mbps=Decimal(room.client_app.bitrate_kbps) / 1000,
        retention_days=storage.retention_days,
        transitions=storage.transitions,
        label=room.name,
    )
    try:
        return estimate_with_planned(planned=planned, extra=extra)
    except NoPriceBookError:
        return None


def blocking_budget(*, room: Room, now: datetime) -> BudgetStatus | None:
    """The app's budget status when it is used up and says manual starts must wait; None otherwise."""
    try:
        status = budget_status(app=room.client_app, month=billing_month(now))
    except NoPriceBookError:
        return None
    return status if status.blocks_manual_starts else None


def app_budget_status(*, app: ClientApp) -> BudgetStatus | None:
    """This month's budget status of the app, for its page; None without a budget (or a price book)."""
    return current_budget_status(app)
