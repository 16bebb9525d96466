"""The Storage preview as it was first written: a Python loop over every file a policy governs. Kept as the
oracle the database version (lifecycle.preview.retention_preview) is checked against: same inputs, same figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.deployment import deployment_context
from billing.estimator import Prices
from billing.estimator.classes import Span, Where, gb_day_price, spans_cost, stored_gb
from billing.services import price_book_for
from lifecycle.models import FileLifecycle, LegalHold, RetentionPolicy
from lifecycle.plan import wanted
from lifecycle.preview import DAYS_PER_MONTH, Change, Preview
from recordings.models import RecordingFile, ReviewStatus


def files_under(policy: RetentionPolicy) -> list[RecordingFile]:
    """The present files the policy governs: its room's, or its app's rooms' that have no policy of their own."""
    files = RecordingFile.objects.present()
    if policy.room_id is not None:
        return list(files.filter(room_id=policy.room_id))
    own = RetentionPolicy.objects.exclude(room=None).values("room_id")
    return list(files.filter(room__client_app_id=policy.client_app_id).exclude(room_id__in=own))


def reference_preview(*, policy: RetentionPolicy, now: datetime | None = None, days: int = 30) -> Preview:
    now = now or timezone.now()
    book = price_book_for(now.date())
    prices = book.typed
    preview = Preview(horizon_days=days, price_book=f"{book.name} v{book.version}")
    later = now + timedelta(days=days)
    files = files_under(policy)
    states = {state.file_id: state for state in FileLifecycle.objects.filter(file__in=files)}
    held = _Held(later)
    for recording_file in files:
        state = states.get(recording_file.pk)
        current = state.storage_class if state else "STANDARD"
        since = (state.class_since if state and state.class_since else None) or recording_file.content_end
        held_then = held.covers(recording_file)
        want = wanted(
            policy=policy,
            recorded_end=recording_file.content_end,
            rejected=recording_file.review_status == ReviewStatus.REJECTED,
            held=held_then,
            current_class=current,
            now=later,
        )
        untouched = wanted(
            policy=policy,
            recorded_end=recording_file.content_end,
            rejected=recording_file.review_status == ReviewStatus.REJECTED,
            held=False,
            current_class=current,
            now=later,
        )
        if held_then and (untouched.delete_now or untouched.storage_class != want.storage_class):
            preview.held_files += 1
        price_now = _price(preview, prices, recording_file, current)
        if want.delete_now:
            preview.deleted = Change(
                preview.deleted.files + 1, preview.deleted.bytes + recording_file.size_bytes
            )
            gone_at = max(want.expire_at or now, now)
            preview.monthly_saving_usd += _gb(recording_file) * price_now * DAYS_PER_MONTH
            preview.early_deletion_usd += _early(prices, recording_file, current, since, gone_at)
        elif want.storage_class != current:
            change = preview.moved.get(want.storage_class, Change())
            preview.moved[want.storage_class] = Change(
                change.files + 1, change.bytes + recording_file.size_bytes
            )
            price_then = _price(preview, prices, recording_file, want.storage_class)
            preview.monthly_saving_usd += _gb(recording_file) * (price_now - price_then) * DAYS_PER_MONTH
            preview.early_deletion_usd += _early(prices, recording_file, current, since, now)
    preview.monthly_saving_usd = preview.monthly_saving_usd.quantize(Decimal("0.01"))
    preview.early_deletion_usd = preview.early_deletion_usd.quantize(Decimal("0.01"))
    return preview


class _Held:
    """The holds active at `at`, read once (LegalHold.objects.covering per file was a query per file: 2,000
    files made the Storage page 2,000 queries); `covers` is the same rule: on the file, its recording or its room."""

    def __init__(self, at: datetime) -> None:
        self.files: set[int] = set()
        self.sessions: set[int] = set()
        self.rooms: set[int] = set()
        for file_id, session_id, room_id in LegalHold.objects.active(at).values_list(
            "file_id", "session_id", "room_id"
        ):
            for ids, value in ((self.files, file_id), (self.sessions, session_id), (self.rooms, room_id)):
                if value is not None:
                    ids.add(value)

    def covers(self, recording_file: RecordingFile) -> bool:
        return (
            recording_file.pk in self.files
            or recording_file.session_id in self.sessions
            or recording_file.room_id in self.rooms
        )


def _gb(recording_file: RecordingFile) -> Decimal:
    return stored_gb(recording_file.size_bytes)


def _where(recording_file: RecordingFile) -> Where:
    context = deployment_context()
    return Where(recording_file.storage, context.vod_area, context.cos_region)


def _price(preview: Preview, prices: Prices, recording_file: RecordingFile, storage_class: str) -> Decimal:
    """USD per GB-day of a class (billing's one GB-day price); an unpriced class is listed and counts 0."""
    price = gb_day_price(prices, _where(recording_file), storage_class)
    if price is not None:
        return price
    label = f"{recording_file.storage}:{storage_class}"
    if label not in preview.unpriced:
        preview.unpriced.append(label)
    return Decimal(0)


def _early(
    prices: Prices, recording_file: RecordingFile, storage_class: str, since: datetime, leaves_at: datetime
) -> Decimal:
    """The early-deletion charge of leaving `storage_class` at `leaves_at`, as the cost report will bill it."""
    stay = Span(storage_class, since, leaves_at)
    window = (leaves_at, leaves_at + timedelta(microseconds=1))
    return spans_cost(
        gb=_gb(recording_file), spans=[stay], window=window, prices=prices, where=_where(recording_file)
    ).early_deletion
