"""Reading numbers, dates and date-times typed by a client, so that no input can raise past the view.

The traps these close: `str.isdigit()` is true for "²" and other Unicode digits that int() refuses; an integer
with 20 digits overflows the database's bigint; `parse_datetime("2026-02-30T00:00")` raises instead of returning
None; and a date such as 0001-01-01 is valid Python but overflows when its local midnight is converted to UTC.
Pages use `DayField` (a form error); the API uses the `query_*` functions (a 400 naming the parameter).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Every date the console handles is a recording's; these bounds keep ±14 h of zone offset far from the limits of
# datetime (years 1 and 9999) and of the databases.
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(9998, 12, 31)
DAY_RANGE_MESSAGE = _("Enter a date between %(earliest)s and %(latest)s.")
DAY_RANGE = {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
# The largest id a database key holds (PostgreSQL bigint, SQLite integer).
MAX_ID = 2**63 - 1
_ASCII_INT = re.compile(r"[0-9]{1,19}")


def ascii_int(raw: Any, *, maximum: int = MAX_ID) -> int | None:
    """The whole number written in ASCII digits, at most `maximum`; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw <= maximum else None
    if not isinstance(raw, str) or not _ASCII_INT.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= maximum else None


def parse_moment(raw: str) -> datetime | None:
    """An ISO date-time (naive = the active zone) or date (its local midnight) in range; None otherwise."""
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = datetime.combine(day, time.min) if day is not None else None
    except ValueError:  # well formed but impossible: 2026-02-30, minute 60
        return None
    if moment is None or not EARLIEST_DAY <= moment.date() <= LATEST_DAY:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class QueryError(ValueError):
    """A query parameter that cannot be read; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def query_int(params: Any, name: str, *, default: int, maximum: int, minimum: int = 0) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    value = ascii_int(raw, maximum=maximum)
    if value is None or value < minimum:
        raise QueryError(
            name, gettext("A whole number from %(low)s to %(high)s.") % {"low": minimum, "high": maximum}
        )
    return value


def query_id(params: Any, name: str, what: str = "") -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    value = ascii_int(raw)
    if value is None:
        raise QueryError(name, gettext("%(what)s: a whole number.") % {"what": what or gettext("An id")})
    return value


def query_moment(params: Any, name: str) -> datetime | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    moment = parse_moment(str(raw))
    if moment is None:
        raise QueryError(
            name, gettext("An ISO 8601 date or date-time between %(earliest)s and %(latest)s.") % DAY_RANGE
        )
    return moment


class DayField(forms.DateField):
    """A list filter's day: a real date in EARLIEST_DAY..LATEST_DAY (a form error otherwise)."""

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise ValidationError(DAY_RANGE_MESSAGE, code="out_of_range", params=DAY_RANGE)
        return day


class MomentField(forms.DateTimeField):
    """A date-time whose day lies in EARLIEST_DAY..LATEST_DAY (a form error otherwise)."""

    def to_python(self, value: Any) -> datetime | None:
        if not isinstance(value, str | datetime | date | type(None)):  # JSON gives lists, numbers, objects
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        moment = super().to_python(value)
        if moment is not None and not EARLIEST_DAY <= moment.date() <= LATEST_DAY:
            raise ValidationError(DAY_RANGE_MESSAGE, code="out_of_range", params=DAY_RANGE)
        return moment
