"""What the Storage page shows: the next 30 days of every policy in effect (retention_previews, summed —
an app's policy covers only its rooms without an override, so no file is counted twice), the files under a legal
hold, the active holds, the policies per client app (the failed lifecycle actions come from the
lifecycle_ui template tags)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from billing.services import NoPriceBookError, price_book_for
from lifecycle.models import LegalHold, RetentionPolicy, StorageClass
from lifecycle.preview import Change, Preview, retention_previews
from recordings.models import ClientApp, RecordingFile


@dataclass
class PolicyRow:
    policy: RetentionPolicy
    preview: Preview | None


@dataclass
class AppPolicies:
    app: ClientApp
    policy: PolicyRow | None
    overrides: list[PolicyRow] = field(default_factory=list)


@dataclass
class StorageSummary:
    horizon_days: int
    totals: Preview | None  # None without a price book
    problem: str
    held_files: int
    holds: list[LegalHold]
    apps: list[AppPolicies]

    @property
    def moved_by_class(self) -> list[tuple[str, Change]]:
        if self.totals is None:
            return []
        order = [str(value) for value in StorageClass]
        return sorted(self.totals.moved.items(), key=lambda item: order.index(item[0]))


def add_previews(total: Preview, part: Preview) -> None:
    total.deleted = Change(total.deleted.files + part.deleted.files, total.deleted.bytes + part.deleted.bytes)
    for storage_class, change in part.moved.items():
        was = total.moved.get(storage_class, Change())
        total.moved[storage_class] = Change(was.files + change.files, was.bytes + change.bytes)
    total.held_files += part.held_files
    total.monthly_saving_usd += part.monthly_saving_usd
    total.early_deletion_usd += part.early_deletion_usd
    total.unpriced.extend(label for label in part.unpriced if label not in total.unpriced)


def active_holds(at: datetime | None = None) -> QuerySet[LegalHold]:
    return LegalHold.objects.active(at).select_related(
        "placed_by", "file", "session__room", "room__client_app"
    )


def held_file_count(at: datetime | None = None) -> int:
    """Present files some active hold protects (on the file, its recording or its room). A union of three indexed
    lookups: one OR of the three conditions scanned every file (100 ms at 200,000 files)."""
    holds = LegalHold.objects.active(at)
    # No ORDER BY in the union's parts (the model's default ordering): SQLite refuses one there.
    files = RecordingFile.objects.present().order_by()
    on_file = files.filter(pk__in=holds.exclude(file=None).values("file_id")).values("pk")
    on_session = files.filter(session_id__in=holds.exclude(session=None).values("session_id")).values("pk")
    on_room = files.filter(room_id__in=holds.exclude(room=None).values("room_id")).values("pk")
    return on_file.union(on_session, on_room).count()


# The previews are one aggregate query over every file under a policy, but that is still a scan of them all
# (about 1 s at 200,000 files), so the result is kept for PREVIEW_CACHE_SECONDS under a key of what changes it at
# once, read for the page anyway: the policies (each save stamps updated_at), the active holds (a hold active at the
# horizon is active now; placing, lifting or a changed `until` changes the key), the price book. Files arriving,
# being deleted or moved, a verdict, the clock: the figures follow within PREVIEW_CACHE_SECONDS (they are a
# forecast over 30 days).
PREVIEW_CACHE_SECONDS = 300


def _cache_key(*, policies: list[RetentionPolicy], holds: list[LegalHold], book: object, days: int) -> str:
    parts = (
        days,
        [(policy.pk, policy.client_app_id, policy.room_id, policy.updated_at) for policy in policies],
        sorted((hold.pk, hold.until) for hold in holds),
        getattr(book, "pk", None),
        getattr(book, "version", None),
    )
    return "lifecycle:storage-previews:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def policy_previews(
    *, now: datetime, days: int, holds: list[LegalHold]
) -> tuple[Preview | None, list[PolicyRow], str]:
    """Every policy's preview and their sum (None and the reason without a price book). One aggregate query over
    the files under any policy (lifecycle.preview.retention_previews), cached (see PREVIEW_CACHE_SECONDS);
    `holds` are the holds active at `now`."""
    policies = list(RetentionPolicy.objects.select_related("client_app", "room__client_app").order_by("pk"))
    try:
        book = price_book_for(now.date())
    except NoPriceBookError as exc:
        return None, [PolicyRow(policy, None) for policy in policies], str(exc)
    totals = Preview(horizon_days=days, price_book=f"{book.name} v{book.version}")
    if not policies:
        return totals, [], ""
    key = _cache_key(policies=policies, holds=holds, book=book, days=days)
    previews = cache.get(key)
    if not isinstance(previews, dict) or set(previews) != {policy.pk for policy in policies}:
        previews = retention_previews(policies=policies, now=now, days=days)
        cache.set(key, previews, PREVIEW_CACHE_SECONDS)
    rows = []
    for policy in policies:
        add_previews(totals, previews[policy.pk])
        rows.append(PolicyRow(policy, previews[policy.pk]))
    return totals, rows, ""


def storage_summary(*, now: datetime | None = None, days: int = 30) -> StorageSummary:
    now = now or timezone.now()
    holds = list(active_holds(now))
    totals, rows, problem = policy_previews(now=now, days=days, holds=holds)
    apps = {app.pk: AppPolicies(app, None) for app in ClientApp.objects.order_by("name")}
    for row in rows:
        if row.policy.room_id is not None:
            apps[row.policy.room.client_app_id].overrides.append(row)  # type: ignore[union-attr]
        elif row.policy.client_app_id is not None:
            apps[row.policy.client_app_id].policy = row
    return StorageSummary(
        horizon_days=days,
        totals=totals,
        problem=problem,
        held_files=held_file_count(now),
        holds=holds,
        apps=list(apps.values()),
    )
