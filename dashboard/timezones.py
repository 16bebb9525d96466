"""One rule for showing times: in the active time zone (the user's, else the console's), with the zone named.

Templates use the `when` filter and `time_range` tag (dashboard/templatetags/console_time.py, a builtin
library); Python code building text for people uses `format_local`. Format strings are Django's `date`
filter syntax, so a template and a message say the same thing the same way.

Formats follow the active language (issue #18): a format name ("SHORT_DATETIME_FORMAT") is the locale's, and a
literal that spells out month or weekday names ("F Y", "D j M") is rewritten into that language's own order
(LOCALE_FORMATS). Numeric literals ("Y-m-d H:i") read the same in every language the console speaks.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db.models import Q
from django.utils import dateformat, formats, timezone, translation

DEFAULT_FORMAT = "Y-m-d H:i"
# ISO 8601 date-times that carry an offset (DjangoJSONEncoder writes UTC as "Z"). Dates and naive values
# are left alone: a date has no zone, and a naive value's zone is unknown.
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$")


# Per language: the console's literal formats that name months or weekdays, as that language writes them
# (Chinese puts the year first and the weekday after the date: 2026年12月, 12月2日 星期三).
LOCALE_FORMATS: dict[str, dict[str, str]] = {
    "zh-hans": {
        "F Y": "Y年n月",
        "M Y": "Y年n月",
        "F": "n月",
        "M": "n月",
        "N": "n月",
        "j M": "n月j日",
        "M j": "n月j日",
        "D j M": "n月j日 D",
        "M/d": "m/d",
        "D Y-m-d": "Y-m-d D",
        "D Y-m-d H:i": "Y-m-d D H:i",
    },
}


def localized_format(fmt: str) -> str:
    """`fmt` for the active language: a Django format name resolved to the locale's format, a literal with
    month or weekday names reordered as LOCALE_FORMATS says; anything else unchanged."""
    if fmt.endswith("_FORMAT") and fmt.isupper():
        return str(formats.get_format(fmt))
    return LOCALE_FORMATS.get(translation.get_language() or "", {}).get(fmt, fmt)


@cache
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def is_valid_zone(name: str) -> bool:
    return name in zone_names()


def console_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def active_zone() -> tzinfo:
    """The zone of this request (the user's choice, activated by the middleware), else the console's."""
    return timezone.get_current_timezone()


def day_start(day: date) -> datetime:
    """The first instant of `day` in the active zone: a "since" day filter includes the whole day."""
    return datetime.combine(day, time.min, tzinfo=active_zone())


def day_end(day: date) -> datetime:
    """The last instant of `day` in the active zone: an "until" day filter includes the whole day."""
    return datetime.combine(day, time.max, tzinfo=active_zone())


def within_days(field: str, since: date | None, until: date | None) -> Q:
    """The rows whose datetime `field` falls on the days from `since` to `until`, both included in full in the
    active zone; either end may be open (None). The day-range filter of every list page and API."""
    condition = Q()
    if since is not None:
        condition &= Q(**{f"{field}__gte": day_start(since)})
    if until is not None:
        condition &= Q(**{f"{field}__lte": day_end(until)})
    return condition


def zone_name(zone: tzinfo | None = None) -> str:
    zone = zone or active_zone()
    return str(getattr(zone, "key", None) or zone)


def zone_label(value: datetime | None = None, zone: tzinfo | None = None) -> str:
    """The zone's abbreviation at that instant ("+08", "CET"/"CEST", "UTC"); now when no instant is given."""
    zone = zone or active_zone()
    moment = value if value is not None and timezone.is_aware(value) else timezone.now()
    return moment.astimezone(zone).tzname() or zone_name(zone)


def zone_description(zone: tzinfo | None = None) -> str:
    """'Asia/Singapore (+08)': what a form's help text names as the zone it reads times in."""
    zone = zone or active_zone()
    name, label = zone_name(zone), zone_label(zone=zone)
    return name if name == label else f"{name} ({label})"


def to_local(value: datetime, zone: tzinfo | None = None) -> datetime:
    zone = zone or active_zone()
    if timezone.is_naive(value):  # a naive value is in the console's zone (Django's convention with USE_TZ)
        value = timezone.make_aware(value, console_zone())
    return value.astimezone(zone)


def format_local(
    value: datetime | None, fmt: str = DEFAULT_FORMAT, *, zone: tzinfo | None = None, show_zone: bool = True
) -> str:
    """'2026-12-02 14:05 +08': `value` in `zone` (default: the active zone) in Django `date` syntax, zone named.
    None gives "" so that templates can chain `|default:"—"`."""
    if value is None:
        return ""
    local = to_local(value, zone)
    text = dateformat.format(local, localized_format(fmt))
    return f"{text} {local.tzname()}" if show_zone else text


def format_range(
    start: datetime | None,
    end: datetime | None,
    fmt: str = DEFAULT_FORMAT,
    *,
    end_fmt: str | None = None,
    zone: tzinfo | None = None,
) -> str:
    """'2026-12-02 14:00 → 15:30 +08'; the end keeps its date when it falls on another local day."""
    if start is None:
        return format_local(end, fmt, zone=zone)
    if end is None:
        return format_local(start, fmt, zone=zone)
    local_start, local_end = to_local(start, zone), to_local(end, zone)
    fmt = localized_format(fmt)
    if end_fmt is None:
        same_day = local_start.date() == local_end.date()
        end_fmt = fmt.rsplit(" ", 1)[-1] if same_day else fmt  # "D Y-m-d H:i" ends "H:i"
    if local_start.tzname() != local_end.tzname():  # across a DST change: name both
        return f"{format_local(start, fmt, zone=zone)} → {format_local(end, end_fmt, zone=zone)}"
    start_text = format_local(start, fmt, zone=zone, show_zone=False)
    return f"{start_text} → {format_local(end, end_fmt, zone=zone)}"


def localize_value(value: Any, fmt: str = "Y-m-d H:i:s", *, zone: tzinfo | None = None) -> Any:
    """A JSON value with every ISO instant in it (an audit diff's UTC strings) rewritten in `zone`."""
    if isinstance(value, datetime):
        return format_local(value, fmt, zone=zone)
    if isinstance(value, str):
        if _ISO_INSTANT.match(value):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            return format_local(parsed, fmt, zone=zone)
        return value
    if isinstance(value, list | tuple):
        return [localize_value(item, fmt, zone=zone) for item in value]
    if isinstance(value, dict):
        return {key: localize_value(item, fmt, zone=zone) for key, item in value.items()}
    return value
