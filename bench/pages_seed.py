"""The data set of `make bench-pages`: 1,000 rooms, 100,000 recordings, 200,000 files and what the pages show
beside them (schedules, review verdicts, claims and QA flags, callback events, Tencent calls, audit entries,
attention items, live pushes, budgets), written with PostgreSQL's COPY into a fresh database.

Rows are dicts of field values, the other fields taking their model defaults (so a new field with a default
needs no change here), copied with explicit primary keys; the sequences are moved past them afterwards. Models are looked up by
class name, so the seeder does not depend on which module of which app defines them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pages_seed_logs
from django.db import connection
from pages_copy import Counts, RoomRow, SessionRow, copy_rows, model

SEED = 15
APPS = 20
TAGS = (
    "sports",
    "vip",
    "music",
    "news",
    "gaming",
    "talk",
    "shopping",
    "education",
    "prime-time",
    "weekend",
    "直播",
    "esports",
    "concert",
    "kids",
    "cooking",
    "travel",
    "finance",
    "late-night",
    "interview",
    "fashion",
)
MODERATORS = 5
HISTORY_DAYS = 180  # recordings are spread over this many days up to now
PENDING_DAYS = 30  # files of the last 30 days wait for review; older ones have a verdict


def seed(*, rooms: int, sessions: int, files: int, now: datetime) -> dict[str, int]:
    """Write the whole data set; returns the number of rows per model."""
    rng = random.Random(SEED)
    counts = Counts({})
    users = seed_users()
    app_ids = seed_apps(rng, counts)
    room_rows = seed_rooms(rng, counts, rooms, app_ids)
    schedule_ids = seed_schedules(rng, counts, room_rows, users["operator"], now)
    session_rows = seed_sessions(rng, counts, room_rows, schedule_ids, sessions, users["operator"], now)
    file_rows = seed_files(rng, counts, session_rows, files, now)
    seed_review(rng, counts, file_rows, users, now)
    pages_seed_logs.seed_logs(rng, counts, session_rows, users["operator"], now)
    pages_seed_logs.seed_extras(counts, app_ids, users["manager"], now)
    with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum keeps them in production
        cursor.execute("VACUUM ANALYZE")
    return counts.rows


def seed_users() -> dict[str, Any]:
    from django.contrib.auth.models import Group, User

    from dashboard.access import Role

    def user(name: str, role: Role) -> Any:
        created = User.objects.create_user(name, password=None)
        created.groups.add(Group.objects.get_or_create(name=role.value)[0])
        return created

    found: dict[str, Any] = {
        "operator": user("bench-operator", Role.OPERATOR),
        "manager": user("bench-manager", Role.MANAGER),
        "moderator": user("bench-moderator", Role.MODERATOR),
    }
    found["moderators"] = [found["moderator"]] + [
        user(f"bench-moderator-{n}", Role.MODERATOR) for n in range(1, MODERATORS)
    ]
    return found


def seed_apps(rng: random.Random, counts: Counts) -> list[int]:
    client_app = model("ClientApp")
    ids = list(range(1, APPS + 1))
    counts.add(
        "ClientApp",
        copy_rows(
            client_app,
            (
                dict(
                    id=pk,
                    name=f"Bench app {pk:02d}",
                    kind=("APK", "EXE", "WEB")[pk % 3],
                    url="https://apps.example.com/live/" if pk % 3 == 2 else "",
                    car_project_id=f"cap-bench{pk % 4:04d}",
                    concurrency_spec=("S", "M", "L", "CPU4")[pk % 4],
                    bitrate_kbps=rng.choice([4000, 6000, 8000]),
                    is_active=pk != APPS,
                )
                for pk in ids
            ),
        ),
    )
    return ids


def seed_rooms(rng: random.Random, counts: Counts, rooms: int, app_ids: list[int]) -> list[RoomRow]:
    room = model("Room")
    rows = [RoomRow(pk, f"bench-room-{pk:05d}", app_ids[pk % len(app_ids)]) for pk in range(1, rooms + 1)]

    def build(row: RoomRow) -> dict[str, Any]:
        tags = ",".join(sorted(set(rng.sample(TAGS, rng.randint(0, 3)))))
        return dict(
            id=row.pk,
            name=f"{rng.choice(['Arena', 'Studio', 'Stage', 'Lounge', 'Hall'])} {row.pk:05d}",
            room_key=f"room-{row.pk:05d}",
            client_app_id=row.app_id,
            stream_name=row.stream,
            tags=tags,
            auto_record=row.pk % 10 == 0,
            is_active=row.pk % 20 != 0,
        )

    counts.add("Room", copy_rows(room, (build(row) for row in rows)))
    return rows


def seed_schedules(
    rng: random.Random, counts: Counts, rooms: list[RoomRow], operator: Any, now: datetime
) -> list[int]:
    """One schedule for every other room: weekly evenings mostly, some cron, some one-off, a few paused."""
    schedule = model("Schedule")
    built = []
    for n, room_row in enumerate(rooms[::2], start=1):
        kind = "weekly" if n % 5 else ("cron" if n % 10 else "once")
        built.append(
            dict(
                id=n,
                room_id=room_row.pk,
                name=f"Evening show {n}",
                kind=kind,
                time_zone=rng.choice(["Asia/Singapore", "Asia/Shanghai", "Europe/Berlin", "UTC"]),
                starts_at=now + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 23))
                if kind == "once"
                else None,
                weekdays=",".join(str(d) for d in sorted(rng.sample(range(7), rng.randint(1, 5))))
                if kind == "weekly"
                else "",
                start_time=time(rng.randint(17, 22), rng.choice([0, 15, 30, 45]))
                if kind == "weekly"
                else None,
                cron_expression=f"{rng.choice([0, 30])} {rng.randint(18, 23)} * * 1-5"
                if kind == "cron"
                else "",
                duration_minutes=rng.choice([60, 90, 120, 180]),
                paused=n % 25 == 0,
                created_by_id=operator.pk,
            )
        )
    counts.add("Schedule", copy_rows(schedule, built))
    return [s["id"] for s in built]


def seed_sessions(
    rng: random.Random,
    counts: Counts,
    rooms: list[RoomRow],
    schedule_ids: list[int],
    total: int,
    operator: Any,
    now: datetime,
) -> list[SessionRow]:
    """`total` recordings: a few recording now (one room each), some scheduled ahead, the rest finished over the
    last HISTORY_DAYS days (mostly completed, some failed or cancelled)."""
    session = model("RecordingSession")
    recording_now = min(20, len(rooms))
    upcoming = min(500, total // 20)
    rows: list[SessionRow] = []
    for pk in range(1, total + 1):
        if pk <= recording_now:
            room_row, start, state = rooms[pk - 1], now - timedelta(minutes=rng.randint(5, 90)), "recording"
            end = start + timedelta(hours=2)
        elif pk <= recording_now + upcoming:
            room_row = rng.choice(rooms)
            start = now + timedelta(minutes=rng.randint(10, 14 * 24 * 60))
            end, state = start + timedelta(minutes=rng.choice([60, 120])), "scheduled"
        else:
            room_row = rng.choice(rooms)
            start = now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400)) - timedelta(hours=4)
            end = start + timedelta(minutes=rng.randint(20, 180))
            roll = rng.random()
            state = "completed" if roll < 0.95 else ("failed" if roll < 0.98 else "cancelled")
        rows.append(SessionRow(pk, room_row, start, end, state))

    def build(row: SessionRow) -> dict[str, Any]:
        finished = row.state in {"completed", "failed", "cancelled"}
        trigger = ("schedule", "manual", "api", "push_callback")[row.pk % 4]
        began = row.state != "scheduled" and row.state != "cancelled"
        return dict(
            id=row.pk,
            room_id=row.room.pk,
            schedule_id=None,  # no occurrence is materialised: capacity expands the schedules itself
            trigger=trigger,
            started_by_id=operator.pk if trigger == "manual" else None,
            state=row.state,
            state_changed_at=row.end if finished else row.start,
            planned_start=row.start,
            planned_end=row.end,
            car_project_id=f"cap-bench{row.room.app_id % 4:04d}",
            car_user_id=f"{row.room.stream}-r{row.pk}",
            concurrency_requested_at=row.start if began else None,
            concurrency_applied_at=row.start if began else None,
            cloud_session_created_at=row.start if began else None,
            record_task_created_at=row.start if began else None,
            push_started_at=row.start if began else None,
            stream_live_at=row.start + timedelta(seconds=20) if began else None,
            ended_at=row.end if finished else None,
            cloud_released_at=row.end if finished and began else None,
            completed_at=row.end + timedelta(minutes=2) if row.state == "completed" else None,
            files_found=2 if row.state == "completed" else 0,
            failed_step="push" if row.state == "failed" else "",
            failure_reason="StartPublishStream failed" if row.state == "failed" else "",
        )

    counts.add("RecordingSession", copy_rows(session, (build(row) for row in rows)))
    return rows


@dataclass(frozen=True)
class FileRow:
    pk: int
    session: SessionRow
    discovered: datetime
    status: str


def seed_files(
    rng: random.Random, counts: Counts, sessions: list[SessionRow], total: int, now: datetime
) -> list[FileRow]:
    """`total` files of the completed recordings: an MP4 and an HLS file each, then AAC ones until the total."""
    recording_file = model("RecordingFile")
    completed = [s for s in sessions if s.state == "completed"]
    plan: list[tuple[SessionRow, str]] = []
    for file_format in ("mp4", "hls", "aac", "flv"):
        plan.extend((s, file_format) for s in completed)
        if len(plan) >= total:
            break
    plan = plan[:total]
    pending_since = now - timedelta(days=PENDING_DAYS)
    rows = []
    for pk, (session_row, _format) in enumerate(plan, start=1):
        discovered = session_row.end + timedelta(minutes=rng.randint(1, 10))
        if discovered >= pending_since:
            status = "pending"
        else:
            status = "rejected" if rng.random() < 0.08 else "approved"
        rows.append(FileRow(pk, session_row, discovered, status))

    def build(row: FileRow, file_format: str) -> dict[str, Any]:
        s = row.session
        seconds = (s.end - s.start).total_seconds()
        storage = "cos" if row.pk % 7 == 0 else "vod"
        return dict(
            id=row.pk,
            session_id=s.pk,
            room_id=s.room.pk,
            storage=storage,
            file_id=f"5285890{row.pk:012d}" if storage == "vod" else "",
            cos_key=f"record/{s.room.stream}-r{s.pk}/{row.pk}.{file_format}" if storage == "cos" else "",
            format=file_format,
            url=f"https://vod.example.com/{row.pk}.{file_format}",
            size_bytes=int(seconds * rng.choice([500_000, 750_000, 1_000_000])),
            duration_s=seconds,
            content_start=s.start,
            content_end=s.end,
            codec="h264",
            resolution="1920x1080",
            stream_name=f"{s.room.stream}-r{s.pk}",
            app_name="live",
            task_id=f"task-{s.pk}",
            review_status=row.status,
            discovered_at=row.discovered,
        )

    counts.add(
        "RecordingFile",
        copy_rows(recording_file, (build(row, fmt) for row, (_s, fmt) in zip(rows, plan, strict=True))),
    )
    return rows


def seed_review(
    rng: random.Random, counts: Counts, files: list[FileRow], users: dict[str, Any], now: datetime
) -> None:
    """A current verdict per decided file (a tenth revised once), claims on a few pending files, QA checks and
    flags on a twentieth of the files, and a few escalations to the bench moderator."""
    verdict, claim = model("ReviewVerdict"), model("ReviewClaim")
    qa_check, qa_flag, reason = model("QaCheck"), model("QaFlag"), model("RejectReason")
    reason_id = reason._default_manager.order_by("position").values_list("pk", flat=True).first()
    if reason_id is None:
        reason_id = reason._default_manager.create(code="bench", label="Bench").pk
    moderators = users["moderators"]

    def verdicts() -> Iterator[dict[str, Any]]:
        pk = 0
        for row in files:
            if row.status == "pending":
                if row.pk % 400 == 0:  # escalated to the bench moderator: pending, with a current verdict
                    pk += 1
                    yield dict(
                        id=pk,
                        file_id=row.pk,
                        revision=1,
                        is_current=True,
                        decision="escalate",
                        escalated_to_id=users["moderator"].pk,
                        moderator_id=moderators[1].pk,
                        decided_at=now - timedelta(hours=rng.randint(1, 48)),
                    )
                continue
            decided = row.discovered + timedelta(hours=rng.randint(1, 72))
            revisions = 2 if row.pk % 10 == 0 else 1
            for revision in range(1, revisions + 1):
                pk += 1
                final = revision == revisions
                rejected = final and row.status == "rejected"
                yield dict(
                    id=pk,
                    file_id=row.pk,
                    revision=revision,
                    is_current=final,
                    decision="reject" if rejected else "approve",
                    reason_id=reason_id if rejected else None,
                    hide_from_outputs=rejected and row.pk % 2 == 0,
                    moderator_id=moderators[row.pk % len(moderators)].pk,
                    decided_at=decided + timedelta(minutes=revision),
                )

    counts.add("ReviewVerdict", copy_rows(verdict, verdicts()))
    pending = [row for row in files if row.status == "pending" and row.pk % 400]
    counts.add(
        "ReviewClaim",
        copy_rows(
            claim,
            (
                dict(
                    id=n,
                    file_id=row.pk,
                    moderator_id=moderators[n % len(moderators)].pk,
                    claimed_at=now - timedelta(minutes=5),
                    expires_at=now + timedelta(minutes=25),
                )
                for n, row in enumerate(pending[:40], start=1)
            ),
        ),
    )
    checked = [row for row in files if row.pk % 20 == 0]
    counts.add(
        "QaCheck",
        copy_rows(
            qa_check,
            (
                dict(
                    id=n,
                    file_id=row.pk,
                    state="done",
                    queued_at=row.discovered,
                    finished_at=row.discovered + timedelta(minutes=3),
                    measured_duration_s=60.0,
                    has_video=True,
                    has_audio=row.pk % 3 != 0,
                )
                for n, row in enumerate(checked, start=1)
            ),
        ),
    )
    kinds = ("black", "frozen", "silence", "no_audio", "duration")
    counts.add(
        "QaFlag",
        copy_rows(
            qa_flag,
            (
                dict(id=n, file_id=row.pk, kind=kinds[n % len(kinds)], start_s=1.0, end_s=5.0)
                for n, row in enumerate(checked, start=1)
                if n % 2 == 0
            ),
        ),
    )
