"""The logs and extras of `make bench-pages`' data set (see bench/pages_seed.py): CSS callback events, Tencent API
calls, audit entries, attention items, pushes and budgets."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from pages_copy import Counts, SessionRow, copy_rows, model


def seed_logs(
    rng: random.Random, counts: Counts, sessions: list[SessionRow], operator: Any, now: datetime
) -> None:
    """The logs the list pages read: CSS callback events, Tencent API calls, audit entries, attention items and
    pushes (the recordings running now are live)."""
    event, call, entry = model("CssCallbackEvent"), model("ApiCall"), model("AuditEntry")
    attention, push = model("Attention"), model("StreamPush")
    recent = [s for s in sessions if s.state in {"completed", "recording"}][:30_000]
    counts.add(
        "CssCallbackEvent",
        copy_rows(
            event,
            (
                dict(
                    id=n,
                    received_at=s.end,
                    event_type=(0, 1, 100, 200)[n % 4],
                    stream_name=f"{s.room.stream}-r{s.pk}",
                    event_at=s.end,
                    dedupe_key=f"{n:064x}",
                    raw_body='{"event_type": 100}',
                    payload={"event_type": (0, 1, 100, 200)[n % 4], "stream_id": f"{s.room.stream}-r{s.pk}"},
                    processed_at=s.end,
                )
                for n, s in enumerate(recent, start=1)
            ),
        ),
    )
    actions = ("ApplyConcurrent", "CreateSession", "CreateRecordTask", "StartPublishStream", "DestroySession")
    counts.add(
        "ApiCall",
        copy_rows(
            call,
            (
                dict(
                    id=n,
                    service="car" if n % 5 in {0, 1, 4} else "live",
                    action=actions[n % len(actions)],
                    request={"UserId": f"{s.room.stream}-r{s.pk}"},
                    started_at=s.start + timedelta(seconds=n % 5),
                    duration_ms=rng.randint(20, 400),
                    outcome="ok" if n % 50 else "error",
                    error_code="" if n % 50 else "InternalError",
                    request_id=f"req-{n}",
                    session_id=s.pk,
                )
                for n, s in enumerate(recent, start=1)
            ),
        ),
    )
    counts.add(
        "AuditEntry",
        copy_rows(
            entry,
            (
                dict(
                    id=n,
                    at=s.start,
                    actor_id=operator.pk,
                    actor_name=operator.username,
                    action="recording.start",
                    object_type="recordings.recordingsession",
                    object_id=str(s.pk),
                    object_repr=f"Recording #{s.pk}",
                    changes={"state": "starting"},
                    ip="127.0.0.1",
                )
                for n, s in enumerate(recent[:20_000], start=1)
            ),
        ),
    )
    failed = [s for s in sessions if s.state == "failed"][:300]
    counts.add(
        "Attention",
        copy_rows(
            attention,
            (
                dict(
                    id=n,
                    kind="start_failed",
                    session_id=s.pk,
                    subject=f"{s.room.stream}-r{s.pk}",
                    message="StartPublishStream failed",
                    at=s.end,
                    resolved_at=None if n <= 60 else s.end + timedelta(hours=1),
                )
                for n, s in enumerate(failed, start=1)
            ),
        ),
    )
    pushes = [s for s in sessions if s.state in {"recording", "completed"}][:5000]
    counts.add(
        "StreamPush",
        copy_rows(
            push,
            (
                dict(
                    id=n,
                    stream_name=f"{s.room.stream}-r{s.pk}",
                    sequence=f"seq-{s.pk}",
                    app_name="live",
                    domain="push.example.com",
                    room_id=s.room.pk,
                    session_id=s.pk,
                    started_at=s.start,
                    ended_at=None if s.state == "recording" else s.end,
                    width=1920,
                    height=1080,
                )
                for n, s in enumerate(pushes, start=1)
            ),
        ),
    )


def seed_extras(counts: Counts, app_ids: list[int], manager: Any, now: datetime) -> None:
    """A budget per app for this month (the costs pages and the overview's budget panel read them)."""
    budget = model("Budget")
    month = now.date().replace(day=1)
    counts.add(
        "Budget",
        copy_rows(
            budget,
            (
                dict(
                    id=n,
                    app_id=app_id,
                    month=month,
                    amount_usd=5000,
                    warning_percent=80,
                    created_by_id=manager.pk,
                )
                for n, app_id in enumerate(app_ids, start=1)
            ),
        ),
    )
