"""Tencent's time formats, in and out. Everything the gateway accepts or returns is timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

# Tencent documents "YYYY-MM-DD hh:mm:ss" (without a zone) as Beijing time.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value


def to_unix(value: datetime) -> int:
    return int(require_aware(value).timestamp())


def to_iso_utc(value: datetime) -> str:
    """The "YYYY-MM-DDThh:mm:ssZ" form every CSS/VOD query accepts."""
    return require_aware(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_unix(value: int | float | str) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


def parse(value: str | int | float) -> datetime:
    """Parse any time Tencent returns: unix seconds, ISO 8601 (Z or offset), or zone-less Beijing time."""
    if isinstance(value, int | float):
        return from_unix(value)
    text = value.strip()
    if text.isdigit():
        return from_unix(int(text))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    return parsed.astimezone(UTC)


def parse_optional(value: str | int | float | None) -> datetime | None:
    if value in (None, "", 0):
        return None
    assert value is not None
    return parse(value)
