"""What a retention policy will do over the next days, and what that saves, before it happens (or before a
changed policy is saved): files and bytes deleted or moved, the monthly storage saving at the price book in
effect, and the early-deletion charge of files leaving STANDARD_IA / ARCHIVE / DEEP_ARCHIVE before their
minimum duration (Tencent bills the remaining days).

Computed in the database: what `lifecycle.plan.wanted` decides for a file at the horizon depends only on a few
date-range conditions on its recording's end (each transition reached, the deletion due), its class, its review
verdict and whether a hold covers it, so the files are grouped by those outcomes and only the groups' counts, bytes
and early-deletion byte-seconds come back (one aggregate query, a handful of rows, instead of every file: 20,000
files took 3.3 s row by row). The policy's days enter the query as constants (one policy, saved or not: the policy
form's preview) or as the columns of the policy in effect for each file's room (every saved policy at once: the
Storage page). lifecycle/tests/preview_oracle.py keeps the row-by-row version the tests compare it with."""

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
    FilteredRelation,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncSecond
from django.db.models.lookups import IsNull, LessThanOrEqual
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
    """Seconds (with microseconds) of an interval: exact numeric on PostgreSQL; on SQLite (the demo's database)
    an interval is already an integer of microseconds, scaled as a REAL so that bytes x seconds cannot overflow
    SQLite's 64-bit integers."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = DecimalField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="((%(expressions)s) / 1000000.0)", **extra)


def _held(at: datetime) -> Q:
    """plan's `held`: an active hold on the file, its recording or its room (LegalHold.objects.covering)."""
    holds = LegalHold.objects.active(at)
    return (
        Q(pk__in=holds.exclude(file=None).values("file_id"))
        | Q(session_id__in=holds.exclude(session=None).values("session_id"))
        | Q(room_id__in=holds.exclude(room=None).values("room_id"))
    )


class _Days(Func):
    """An integer of days as an interval (NULL stays NULL: a term the policy leaves empty). SQLite has no interval
    type: Django keeps durations there as integers of microseconds, which its date arithmetic adds and subtracts."""

    template = "make_interval(days => (%(expressions)s)::integer)"
    output_field = DurationField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template=f"((%(expressions)s) * {MICROSECONDS_PER_DAY})", **extra
        )


MICROSECONDS_PER_DAY = 86_400_000_000


def _shorter(a: Any, b: Any) -> Case:
    """The shorter of two days, either one when the other is NULL (PostgreSQL's LEAST skips NULLs, SQLite's MIN
    does not: spelled out, it means the same on both)."""
    return Case(
        When(IsNull(a, True), then=b),
        When(IsNull(b, True) | LessThanOrEqual(a, b), then=a),
        default=b,
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class _Terms:
    """A policy's days as SQL terms: constants for one policy (saved or not), or the columns of the policy in
    effect for each file's room (the Storage page's every policy in one query). NULL = not set."""

    keep: Any  # a file not rejected
    keep_rejected: Any
    standard_ia: Any
    archive: Any
    deep_archive: Any


def _keeps(policy: RetentionPolicy) -> tuple[int | None, int | None]:
    """Days kept: (a file not rejected, a rejected one), as plan.wanted reads the policy."""
    keep, rejected = policy.keep_days, policy.keep_days
    if policy.rejected_keep_days is not None:
        rejected = policy.rejected_keep_days if keep is None else min(keep, policy.rejected_keep_days)
    return keep, rejected


def _given(policy: RetentionPolicy) -> _Terms:
    def days(value: int | None) -> Value:
        return Value(value, output_field=IntegerField())

    keep, keep_rejected = _keeps(policy)
    return _Terms(
        keep=days(keep),
        keep_rejected=days(keep_rejected),
        standard_ia=days(policy.standard_ia_after_days),
        archive=days(policy.archive_after_days),
        deep_archive=days(policy.deep_archive_after_days),
    )


def _in_effect() -> _Terms:
    """The columns of the room's own policy, else of its app's (the `own` and `inherited` relations)."""

    def column(name: str) -> Case:
        return Case(
            When(own__id__isnull=False, then=F(f"own__{name}")),
            default=F(f"inherited__{name}"),
            output_field=IntegerField(),
        )

    keep = column("keep_days")
    # The shorter of the two, either when the other is empty (plan.wanted's rule).
    keep_rejected = _shorter(keep, column("rejected_keep_days"))
    return _Terms(
        keep=keep,
        keep_rejected=keep_rejected,
        standard_ia=column("standard_ia_after_days"),
        archive=column("archive_after_days"),
        deep_archive=column("deep_archive_after_days"),
    )


def _reached(terms: _Terms, later: datetime, *, held: bool) -> Case:
    """The coldest class whose transition the file's age has reached at `later`, '' for none (a valid policy's
    transitions come later for each colder class, so that is plan.wanted's last one reached); a held file reaches
    no archive class."""
    at = Value(later, output_field=DateTimeField())
    steps = [
        (terms.deep_archive, StorageClass.DEEP_ARCHIVE),
        (terms.archive, StorageClass.ARCHIVE),
        (terms.standard_ia, StorageClass.STANDARD_IA),
    ]
    whens = [
        When(
            content_end__lte=ExpressionWrapper(at - _Days(days), output_field=DateTimeField()),
            then=Value(str(cls)),
        )
        for days, cls in steps
        if not (held and cls in ARCHIVES)
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


def _kept(terms: _Terms) -> Case:
    return Case(
        When(review_status=ReviewStatus.REJECTED, then=terms.keep_rejected),
        default=terms.keep,
        output_field=IntegerField(),
    )


def _due(terms: _Terms, later: datetime) -> Q:
    """Deletion due by `later` (not held). plan.wanted: due when later >= ExpireTime = (end + kept) truncated to the
    second, i.e. end + kept < later truncated to the second + 1 s: a range on content_end."""
    cutoff = Value(later.replace(microsecond=0) + timedelta(seconds=1), output_field=DateTimeField())
    return Q(content_end__lt=ExpressionWrapper(cutoff - _Days(_kept(terms)), output_field=DateTimeField()))


def _expire_at(terms: _Terms) -> Any:
    """The ExpireTime a deletion happens at: end + days kept, truncated to the second (NULL when kept forever)."""
    end = ExpressionWrapper(F("content_end") + _Days(_kept(terms)), output_field=DateTimeField())
    return TruncSecond(end, output_field=DateTimeField())


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


GROUP_KEYS = ("storage", "current", "held", "reached", "reached_held", "due")


def outcome_groups(
    files: QuerySet[RecordingFile],
    terms: _Terms,
    *,
    now: datetime,
    later: datetime,
    prices: Prices,
    by: tuple[str, ...] = (),
) -> QuerySet[Any]:
    """`files` grouped by what plan.wanted decides for them at `later`, held or not."""
    at_now = Value(now, output_field=DateTimeField())
    return (
        files.annotate(
            current=Coalesce(F("lifecycle__storage_class"), Value(str(StorageClass.STANDARD))),
            since=Coalesce(F("lifecycle__class_since"), F("content_end")),
            held=ExpressionWrapper(_held(later), output_field=BooleanField()),
            reached=_reached(terms, later, held=False),
            reached_held=_reached(terms, later, held=True),
            due=ExpressionWrapper(_due(terms, later), output_field=BooleanField()),
        )
        .values(*by, *GROUP_KEYS)
        .annotate(
            files=Count("id"),
            size=Sum("size_bytes"),
            early_moved=Sum(_early_seconds(prices, at_now)),
            early_deleted=Sum(
                _early_seconds(prices, Greatest(_expire_at(terms), at_now, output_field=DateTimeField()))
            ),
        )
        .order_by(*by, *GROUP_KEYS)
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


def _fold(preview: Preview, pricing: _Pricing, group: dict[str, Any]) -> None:
    """Add one outcome group to the preview: plan.wanted's decision, priced as the row-by-row version did."""
    storage, current, files, size = group["storage"], group["current"], group["files"], int(group["size"])
    untouched = _target(group["reached"], current)
    target = _target(group["reached_held"], current) if group["held"] else untouched
    if group["held"] and (group["due"] or untouched != target):
        preview.held_files += files
    pricing.listed(storage, current)  # every class the files are in must have a price
    if group["due"] and not group["held"]:
        preview.deleted = Change(preview.deleted.files + files, preview.deleted.bytes + size)
        preview.monthly_saving_usd += pricing.month(storage, current, size)
        preview.early_deletion_usd += pricing.early(storage, current, group["early_deleted"])
    elif target != current:
        change = preview.moved.get(target, Change())
        preview.moved[target] = Change(change.files + files, change.bytes + size)
        saved = pricing.month(storage, current, size) - pricing.month(storage, target, size)
        preview.monthly_saving_usd += saved
        preview.early_deletion_usd += pricing.early(storage, current, group["early_moved"])


def _rounded(preview: Preview) -> Preview:
    preview.monthly_saving_usd = preview.monthly_saving_usd.quantize(Decimal("0.01"))
    preview.early_deletion_usd = preview.early_deletion_usd.quantize(Decimal("0.01"))
    return preview


def retention_preview(*, policy: RetentionPolicy, now: datetime | None = None, days: int = 30) -> Preview:
    """One policy's next `days` (saved or not: the policy form previews an unsaved one)."""
    now = now or timezone.now()
    book = price_book_for(now.date())
    preview = Preview(horizon_days=days, price_book=f"{book.name} v{book.version}")
    pricing = _Pricing(preview, book.typed)
    groups = outcome_groups(
        governed_files(policy), _given(policy), now=now, later=now + timedelta(days=days), prices=book.typed
    )
    for group in groups:
        _fold(preview, pricing, group)
    return _rounded(preview)


def files_in_effect() -> QuerySet[RecordingFile]:
    """Present files with the id of the policy in effect for them (`policy_id`: their room's own, else their
    app's), and that policy's columns reachable as `own__…` / `inherited__…`; files under no policy left out."""
    app_wide = Q(room__client_app__retention_policies__room__isnull=True)
    return (
        RecordingFile.objects.present()
        .annotate(
            own=FilteredRelation("room__retention_policies"),
            inherited=FilteredRelation("room__client_app__retention_policies", condition=app_wide),
        )
        .annotate(policy_id=Coalesce(F("own__id"), F("inherited__id")))
        .filter(policy_id__isnull=False)
    )


def retention_previews(
    *, policies: list[RetentionPolicy], now: datetime | None = None, days: int = 30
) -> dict[int, Preview]:
    """Every saved policy's preview in one aggregate query (the Storage page): as retention_preview per policy."""
    now = now or timezone.now()
    book = price_book_for(now.date())
    previews = {
        policy.pk: Preview(horizon_days=days, price_book=f"{book.name} v{book.version}")
        for policy in policies
    }
    pricings = {pk: _Pricing(preview, book.typed) for pk, preview in previews.items()}
    groups = outcome_groups(
        files_in_effect(),
        _in_effect(),
        now=now,
        later=now + timedelta(days=days),
        prices=book.typed,
        by=("policy_id",),
    )
    for group in groups:
        if group["policy_id"] in previews:  # a policy saved since `policies` was read waits for the next view
            _fold(previews[group["policy_id"]], pricings[group["policy_id"]], group)
    return {pk: _rounded(preview) for pk, preview in previews.items()}
