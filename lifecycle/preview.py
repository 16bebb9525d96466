"""What a retention policy will do over the next days, and what that saves, before it happens (or before a
changed policy is saved): files and bytes deleted or moved, the monthly storage saving at the price book in
effect, and the early-deletion charge of files leaving STANDARD_IA / ARCHIVE / DEEP_ARCHIVE before their
minimum duration (Tencent bills the remaining days).

Computed in the database: what `lifecycle.plan.wanted` decides for a file at the horizon depends only on a few
date-range conditions on its recording's end (each transition reached, the deletion due), its class, its review
verdict and whether a hold covers it, so the files are grouped by those outcomes and only the groups' counts, bytes
and early-deletion byte-seconds come back (one aggregate query, a handful of rows, instead of every file: 20,000
files took 3.3 s row by row). lifecycle/tests/preview_oracle.py keeps the row-by-row version the tests compare it
with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncSecond
from django.utils import timezone

from billing.deployment import deployment_context
from billing.estimator import Prices
from billing.estimator.classes import (
    BYTES_PER_STORED_GB,
    SECONDS_PER_DAY,
    Where,
    class_price,
    minimum_days,
    stored_gb,
)
from billing.services import price_book_for
from lifecycle.models import LegalHold, RetentionPolicy, StorageClass
from lifecycle.plan import ALLOWED_MOVES, ARCHIVES
from recordings.models import RecordingFile, ReviewStatus

DAYS_PER_MONTH = Decimal(30)


@dataclass(frozen=True)
class Change:
    files: int = 0
    bytes: int = 0


@dataclass
class Preview:
    horizon_days: int
    price_book: str
    deleted: Change = field(default_factory=Change)
    moved: dict[str, Change] = field(default_factory=dict)  # by target class
    held_files: int = 0  # files the policy would touch but a legal hold protects
    monthly_saving_usd: Decimal = Decimal(0)
    early_deletion_usd: Decimal = Decimal(0)
    unpriced: list[str] = field(
        default_factory=list
    )  # (storage, class) pairs the price book has no price for


def governed_files(policy: RetentionPolicy) -> QuerySet[RecordingFile]:
    """The present files the policy governs: its room's, or its app's rooms' that have no policy of their own."""
    files = RecordingFile.objects.present()
    if policy.room_id is not None:
        return files.filter(room_id=policy.room_id)
    own = RetentionPolicy.objects.exclude(room=None).values("room_id")
    return files.filter(room__client_app_id=policy.client_app_id).exclude(room_id__in=own)


class _Epoch(Func):
    """Seconds (with microseconds, exact numeric) of an interval."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = DecimalField()


def _held(at: datetime) -> Q:
    """plan's `held`: an active hold on the file, its recording or its room (LegalHold.objects.covering)."""
    holds = LegalHold.objects.active(at)
    return (
        Q(pk__in=holds.exclude(file=None).values("file_id"))
        | Q(session_id__in=holds.exclude(session=None).values("session_id"))
        | Q(room_id__in=holds.exclude(room=None).values("room_id"))
    )


def _reached(policy: RetentionPolicy, later: datetime, *, held: bool) -> Case:
    """The last transition (in `policy.transitions()` order) the file's age has reached at `later`, '' for none;
    a held file reaches no archive class."""
    steps = [(days, cls) for days, cls in policy.transitions() if not (held and cls in ARCHIVES)]
    whens = [
        When(content_end__lte=later - timedelta(days=days), then=Value(cls)) for days, cls in reversed(steps)
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


def _keeps(policy: RetentionPolicy) -> tuple[int | None, int | None]:
    """Days kept: (a file not rejected, a rejected one), as plan.wanted reads the policy."""
    keep, rejected = policy.keep_days, policy.keep_days
    if policy.rejected_keep_days is not None:
        rejected = policy.rejected_keep_days if keep is None else min(keep, policy.rejected_keep_days)
    return keep, rejected


def _due(policy: RetentionPolicy, later: datetime) -> Q:
    """Deletion due by `later` (not held). plan.wanted: due when later ≥ ExpireTime = (end + keep) truncated to the
    second, i.e. end + keep < later truncated to the second + 1 s — a range on content_end."""
    cutoff = later.replace(microsecond=0) + timedelta(seconds=1)
    rejected = Q(review_status=ReviewStatus.REJECTED)
    keep, keep_rejected = _keeps(policy)
    due = Q(pk__in=[])
    if keep is not None:
        due |= ~rejected & Q(content_end__lt=cutoff - timedelta(days=keep))
    if keep_rejected is not None:
        due |= rejected & Q(content_end__lt=cutoff - timedelta(days=keep_rejected))
    return due


def _expire_at(policy: RetentionPolicy) -> Any:
    """The ExpireTime a deletion happens at: end + days kept, truncated to the second (NULL when kept forever)."""
    keep, keep_rejected = _keeps(policy)
    whens = []
    if keep_rejected is not None:
        whens.append(When(review_status=ReviewStatus.REJECTED, then=Value(timedelta(days=keep_rejected))))
    if keep is not None:
        whens.append(When(~Q(review_status=ReviewStatus.REJECTED), then=Value(timedelta(days=keep))))
    kept = Case(*whens, default=Value(None), output_field=DurationField())
    return TruncSecond(
        ExpressionWrapper(F("content_end") + kept, output_field=DateTimeField()), output_field=DateTimeField()
    )


def _early_seconds(prices: Prices, leaves_at: Any) -> Any:
    """Bytes x seconds of the current class's minimum duration still left when the file leaves it at
    `leaves_at` (0 past it): Tencent bills those remaining days (billing.estimator.classes.spans_cost)."""
    minimum = Case(
        *(
            When(current=str(cls), then=Value(timedelta(days=minimum_days(prices, str(cls)))))
            for cls in StorageClass
        ),
        default=Value(timedelta(0)),
        output_field=DurationField(),
    )
    left = ExpressionWrapper(F("since") + minimum - leaves_at, output_field=DurationField())
    return ExpressionWrapper(
        F("size_bytes") * Greatest(_Epoch(left), Value(Decimal(0)), output_field=DecimalField()),
        output_field=DecimalField(),
    )


def outcome_groups(
    *, policy: RetentionPolicy, now: datetime, later: datetime, prices: Prices
) -> QuerySet[Any]:
    """The governed files grouped by what plan.wanted decides for them at `later`, held or not."""
    at_now = Value(now, output_field=DateTimeField())
    return (
        governed_files(policy)
        .annotate(
            current=Coalesce(F("lifecycle__storage_class"), Value(str(StorageClass.STANDARD))),
            since=Coalesce(F("lifecycle__class_since"), F("content_end")),
            held=ExpressionWrapper(_held(later), output_field=BooleanField()),
            reached=_reached(policy, later, held=False),
            reached_held=_reached(policy, later, held=True),
            due=ExpressionWrapper(_due(policy, later), output_field=BooleanField()),
        )
        .values("storage", "current", "held", "reached", "reached_held", "due")
        .annotate(
            files=Count("id"),
            size=Sum("size_bytes"),
            early_moved=Sum(_early_seconds(prices, at_now)),
            early_deleted=Sum(
                _early_seconds(prices, Greatest(_expire_at(policy), at_now, output_field=DateTimeField()))
            ),
        )
        .order_by("storage", "current", "held", "reached", "reached_held", "due")
    )


def _target(reached: str, current: str) -> str:
    """plan.wanted's class: the last transition reached, when Tencent allows that move from where the file is."""
    return reached if reached and reached in ALLOWED_MOVES[StorageClass(current)] else current


class _Pricing:
    def __init__(self, preview: Preview, prices: Prices) -> None:
        context = deployment_context()
        self.preview, self.prices = preview, prices
        self.vod_area, self.cos_region = context.vod_area, context.cos_region

    def listed(self, storage: str, storage_class: str) -> tuple[Decimal, Decimal]:
        """(price, days it is for); an unpriced class is listed on the preview and counts 0."""
        where = Where(storage, self.vod_area, self.cos_region)
        price = class_price(self.prices, where, storage_class)
        if price is not None:
            return price
        label = f"{storage}:{storage_class}"
        if label not in self.preview.unpriced:
            self.preview.unpriced.append(label)
        return Decimal(0), Decimal(1)

    def month(self, storage: str, storage_class: str, size: int) -> Decimal:
        """USD a month of `size` bytes in a class."""
        price, per_days = self.listed(storage, storage_class)
        return stored_gb(size) * price * DAYS_PER_MONTH / per_days

    def early(self, storage: str, storage_class: str, byte_seconds: Decimal | None) -> Decimal:
        if not byte_seconds:
            return Decimal(0)
        price, per_days = self.listed(storage, storage_class)
        return Decimal(byte_seconds) / BYTES_PER_STORED_GB / SECONDS_PER_DAY * price / per_days


def retention_preview(*, policy: RetentionPolicy, now: datetime | None = None, days: int = 30) -> Preview:
    now = now or timezone.now()
    book = price_book_for(now.date())
    prices = book.typed
    preview = Preview(horizon_days=days, price_book=f"{book.name} v{book.version}")
    pricing = _Pricing(preview, prices)
    later = now + timedelta(days=days)
    for group in outcome_groups(policy=policy, now=now, later=later, prices=prices):
        storage, current, files, size = group["storage"], group["current"], group["files"], int(group["size"])
        untouched = _target(group["reached"], current)
        target = _target(group["reached_held"], current) if group["held"] else untouched
        delete = group["due"] and not group["held"]
        if group["held"] and (group["due"] or untouched != target):
            preview.held_files += files
        pricing.listed(storage, current)  # every class the files are in must have a price
        if delete:
            preview.deleted = Change(preview.deleted.files + files, preview.deleted.bytes + size)
            preview.monthly_saving_usd += pricing.month(storage, current, size)
            preview.early_deletion_usd += pricing.early(storage, current, group["early_deleted"])
        elif target != current:
            change = preview.moved.get(target, Change())
            preview.moved[target] = Change(change.files + files, change.bytes + size)
            preview.monthly_saving_usd += pricing.month(storage, current, size) - pricing.month(
                storage, target, size
            )
            preview.early_deletion_usd += pricing.early(storage, current, group["early_moved"])
    preview.monthly_saving_usd = preview.monthly_saving_usd.quantize(Decimal("0.01"))
    preview.early_deletion_usd = preview.early_deletion_usd.quantize(Decimal("0.01"))
    return preview
