"""Actual recording sessions as estimator inputs, so real spending is priced by the same rules as plans.

A session costs from the moment it held a CAR concurrency (`concurrency_applied_at`) until it ended (or now,
while it runs). Sessions record no output settings yet, so the formats and storage come from the files the
session produced (MP4 to VOD when it has none yet), stored as the retention policy in effect plans it (the
room's own, else its app's; kept forever without one: `billing.policy`, as the estimates price it); CPU specs
have no list price and are priced as S.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from billing.estimator import PlannedRecording
from billing.estimator.prices import priced_spec
from billing.estimator.timeline import day_bounds
from billing.policy import KEPT_FOREVER, StoragePlan, plan_of
from lifecycle.models import RetentionPolicy, governing
from recordings.models import ClientApp, RecordingFile, RecordingSession
from recordings.sessions.lifecycle import SessionState

# The cost report's placeholder storage option (its storage line is the stored files' own: billing.reports).
ACTUAL_RETENTION_DAYS = 30
Instant = TypeVar("Instant", datetime, int)
RUNNING_STATES = {SessionState.STARTING, SessionState.RECORDING, SessionState.STOPPING}
# The columns as_planned reads (a field outside these lists would cost one query per row: add it here).
SESSION_FIELDS = (
    "state",
    "state_changed_at",
    "concurrency_applied_at",
    "ended_at",
    "room__client_app__concurrency_spec",
    "room__client_app__bitrate_kbps",
)
FILE_FIELDS = ("session_id", "format", "storage")


def sessions_in_month(month: date, apps: Iterable[ClientApp]) -> QuerySet[RecordingSession]:
    """The sessions of these apps that held a concurrency at some point of `month` (UTC+8 days)."""
    first = month.replace(day=1)
    start = day_bounds(first)[0]
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        RecordingSession.objects.filter(
            room__client_app__in=list(apps),
            concurrency_applied_at__isnull=False,
            concurrency_applied_at__lt=day_bounds(following)[0],
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .select_related("room__client_app")
        # Only what as_planned reads: a month is ~5,000 sessions and ~10,000 files at 100k sessions, and
        # building full rows (every datetime parsed) was most of the budget pages' time.
        .only(*SESSION_FIELDS)
        .prefetch_related(Prefetch("files", queryset=RecordingFile.objects.only(*FILE_FIELDS)))
    )


def actual_end(*, state: str, ended_at: Instant | None, state_changed_at: Instant, now: Instant) -> Instant:
    """When a session stopped costing: its end, now while it runs, else when it last changed state (as
    datetimes, or as the cost report's epoch microseconds)."""
    if ended_at is not None:
        return ended_at
    return now if state in RUNNING_STATES else state_changed_at


def as_planned(
    session: RecordingSession, now: datetime, plan: StoragePlan = KEPT_FOREVER
) -> PlannedRecording | None:
    app = session.room.client_app
    start = session.concurrency_applied_at
    if start is None:
        return None
    end = actual_end(
        state=session.state, ended_at=session.ended_at, state_changed_at=session.state_changed_at, now=now
    )
    if end <= start:
        return None
    files = list(session.files.all())  # type: ignore[attr-defined]  # reverse FK declared by a string
    formats = tuple(sorted({f.format for f in files})) or ("mp4",)
    return PlannedRecording(
        start=start,
        duration=end - start,
        spec=priced_spec(app.concurrency_spec),
        push_mbps=Decimal(app.bitrate_kbps) / 1000,
        formats=formats,
        storage=files[0].storage if files else "vod",
        storage_class="STANDARD",
        retention_days=plan.retention_days,
        transitions=plan.transitions,
        label=f"session {session.pk}",
    )


def recordings_by_app(month: date, apps: Iterable[ClientApp]) -> dict[int, list[PlannedRecording]]:
    """Each app's actual recordings of the month, from one query (plus one for the files and one for the
    retention policies), their storage planned by the policy in effect for their room."""
    now = timezone.now()
    policies = RetentionPolicy.objects.by_owner()
    grouped: dict[int, list[PlannedRecording]] = defaultdict(list)
    for session in sessions_in_month(month, apps):
        app_id = session.room.client_app_id
        plan = plan_of(governing(policies, room_id=session.room_id, client_app_id=app_id))
        planned = as_planned(session, now, plan)
        if planned is not None:
            grouped[app_id].append(planned)
    return grouped
