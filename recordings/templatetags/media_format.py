"""Template filters of the live and files pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def hms(seconds: float | int | None) -> str:
    """3725 → '1:02:05'; 65 → '1:05'."""
    if seconds is None:
        return "—"
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
