"""Template side of dashboard/timezones.py, loaded as a builtin library (settings.TEMPLATES).

{{ session.planned_start|when }}            2026-12-02 14:05 +08
{{ file.content_start|when:"Y-m-d H:i:s" }} 2026-12-02 14:05:09 +08
{% time_range session.planned_start session.planned_end %}
{{ entry.changes|local_instants }}          ISO instants inside a JSON value, in the active zone
{% zone_description %}                      Asia/Singapore (+08)
{{ month|date:"F Y" }}                      December 2026; 2026年12月 in Chinese

Every format follows the active language (timezones.localized_format). This library also replaces Django's
`date` filter in every template, so `|date:"F Y"` and `|date:"SHORT_DATE_FORMAT"` are written as the page's
language writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.template import defaultfilters

from dashboard import timezones

register = template.Library()


@register.filter(expects_localtime=False)
def when(value: datetime | None, fmt: str = timezones.DEFAULT_FORMAT) -> str:
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    return timezones.format_local(value, fmt)


@register.simple_tag
def time_range(start: datetime | None, end: datetime | None, fmt: str = timezones.DEFAULT_FORMAT) -> str:
    return timezones.format_range(start, end, fmt)


@register.filter
def local_instants(value: Any) -> Any:
    return timezones.localize_value(value)


@register.simple_tag
def zone_description() -> str:
    return timezones.zone_description()


@register.simple_tag
def zone_label() -> str:
    return timezones.zone_label()


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's `date` filter with the format in the active language's order (overrides the builtin one)."""
    return defaultfilters.date(value, timezones.localized_format(arg) if arg else arg)
