"""Time formats of the Tencent APIs: ISO 8601 UTC (`2019-01-08T10:00:00Z`) and Beijing wall time
(`2019-01-08 18:00:00`, UTC+8, what a time without a zone means to CSS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from emulator.envelope import ApiError

BEIJING = timezone(timedelta(hours=8))


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def beijing(ts: float) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def parse(value: str, name: str) -> tuple[float, bool]:
    """→ (unix time, whether the value was ISO UTC). Raises InvalidParameter for anything else."""
    value = value.strip()
    for pattern, zone, is_iso in (
        ("%Y-%m-%dT%H:%M:%SZ", UTC, True),
        ("%Y-%m-%dT%H:%M:%S.%fZ", UTC, True),
        ("%Y-%m-%d %H:%M:%S", BEIJING, False),
    ):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=zone).timestamp(), is_iso
        except ValueError:
            continue
    try:  # ISO with an explicit offset, e.g. 2019-01-08T18:00:00+08:00
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        return parsed.timestamp(), True
    raise ApiError(
        "InvalidParameter",
        f"`{name}` must be YYYY-MM-DDThh:mm:ssZ (UTC) or YYYY-MM-DD hh:mm:ss (Beijing time), not {value!r}.",
    )
