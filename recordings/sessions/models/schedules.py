"""Recording schedules: one-off windows and recurring rules (weekly or cron) in a chosen time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recordings.catalog.models import Room
from recordings.sessions.recurrence import Rule, Window, is_valid_cron, occurrences


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            gettext("Unknown time zone %(zone)r; use a name like Asia/Singapore.") % {"zone": value}
        ) from exc


class ScheduleKind(models.TextChoices):
    ONCE = "once", _("One-off window")
    WEEKLY = "weekly", _("Weekly (days + time)")
    CRON = "cron", _("Cron expression")


# One window of a schedule lasts at most a week; longer than a recording may last, it becomes a chain.
MAX_SCHEDULE_MINUTES = 7 * 24 * 60
# Django's own abbreviations (Monday = 0), translated by its catalogue.
WEEKDAY_NAMES = tuple(WEEKDAYS_ABBR[day] for day in range(7))


class ScheduleQuerySet(models.QuerySet["Schedule"]):
    def active(self) -> ScheduleQuerySet:
        return self.filter(paused=False, room__is_active=True)

    def listing(self) -> ScheduleQuerySet:
        return self.select_related("room", "room__client_app").order_by("room__name", "name")


class Schedule(models.Model):
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("room"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=8, choices=ScheduleKind.choices, default=ScheduleKind.WEEKLY
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    starts_at = models.DateTimeField(
        _("starts at"), null=True, blank=True, help_text=_("One-off: when the window opens.")
    )
    weekdays = models.CharField(
        _("weekdays"),
        max_length=20,
        blank=True,
        help_text=_("Weekly: days as numbers, Monday = 0, e.g. 0,2,4."),
    )
    start_time = models.TimeField(
        _("start time"), null=True, blank=True, help_text=_("Weekly: local start time.")
    )
    cron_expression = models.CharField(
        _("cron expression"), max_length=100, blank=True, help_text=_("e.g. 0 20 * * 1-5")
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(1)])
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    paused = models.BooleanField(_("paused"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["room__name", "name"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1),
                name="schedule_duration_positive",
                violation_error_message=_("A window lasts at least 1 minute."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ScheduleKind.ONCE) | Q(starts_at__isnull=False),
                name="schedule_once_has_start",
                violation_error_message=_("A one-off window needs its start."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ScheduleKind.WEEKLY) | (~Q(weekdays="") & Q(start_time__isnull=False)),
                name="schedule_weekly_has_days_and_time",
                violation_error_message=_("A weekly schedule needs its days and its start time."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ScheduleKind.CRON) | ~Q(cron_expression=""),
                name="schedule_cron_has_expression",
                violation_error_message=_("A cron schedule needs its cron expression."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="schedule_validity_ordered",
                violation_error_message=_("The last valid day is before the first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.room.name})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == ScheduleKind.ONCE and self.starts_at is None:
            errors["starts_at"] = gettext("A one-off window needs its start.")
        if self.kind == ScheduleKind.WEEKLY:
            if not self.weekday_set:
                errors["weekdays"] = gettext("Pick at least one day.")
            if self.start_time is None:
                errors["start_time"] = gettext("A weekly schedule needs its start time.")
        if self.kind == ScheduleKind.CRON and not is_valid_cron(self.cron_expression):
            errors["cron_expression"] = gettext(
                "Not a valid cron expression (minute hour day month weekday)."
            )
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = gettext("Ends before it begins.")
        if errors:
            raise ValidationError(errors)

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekdays.split(",") if d.strip().isdigit() and int(d) < 7)

    @property
    def weekday_names(self) -> str:
        return ", ".join(str(WEEKDAY_NAMES[d]) for d in sorted(self.weekday_set))

    def describe(self) -> str:
        if self.kind == ScheduleKind.ONCE and self.starts_at:
            local = self.starts_at.astimezone(ZoneInfo(self.time_zone))
            return gettext("once at %(start)s (%(zone)s) for %(minutes)d min") % {
                "start": f"{local:%Y-%m-%d %H:%M}",
                "zone": self.time_zone,
                "minutes": self.duration_minutes,
            }
        if self.kind == ScheduleKind.WEEKLY and self.start_time:
            return gettext("%(days)s at %(time)s (%(zone)s) for %(minutes)d min") % {
                "days": self.weekday_names,
                "time": f"{self.start_time:%H:%M}",
                "zone": self.time_zone,
                "minutes": self.duration_minutes,
            }
        return gettext("cron “%(expression)s” (%(zone)s) for %(minutes)d min") % {
            "expression": self.cron_expression,
            "zone": self.time_zone,
            "minutes": self.duration_minutes,
        }

    def rule(self) -> Rule:
        return Rule(
            kind=self.kind,
            time_zone=self.time_zone,
            duration=timedelta(minutes=self.duration_minutes),
            starts_at=self.starts_at,
            weekdays=self.weekday_set,
            at=self.start_time,
            cron=self.cron_expression,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
        )

    def windows(self, *, start: datetime, end: datetime, limit: int = 1000) -> list[Window]:
        return occurrences(self.rule(), start=start, end=end, limit=limit)
