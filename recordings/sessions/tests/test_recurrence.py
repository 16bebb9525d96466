from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from recordings.sessions.recurrence import (
    Rule,
    Window,
    is_valid_cron,
    local_to_utc,
    occurrences,
    peak_overlap,
    split_window,
)

HOUR = timedelta(hours=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_once_rule_yields_its_window_only_when_in_range() -> None:
    rule = Rule(kind="once", time_zone="UTC", duration=HOUR, starts_at=utc(2026, 1, 5, 10))
    assert occurrences(rule, start=utc(2026, 1, 1), end=utc(2026, 2, 1)) == [
        Window(utc(2026, 1, 5, 10), utc(2026, 1, 5, 11))
    ]
    assert occurrences(rule, start=utc(2026, 1, 6), end=utc(2026, 2, 1)) == []


def test_weekly_rule_uses_local_wall_clock_in_its_zone() -> None:
    # Mondays and Wednesdays 20:00 in Singapore (UTC+8) → 12:00 UTC.
    rule = Rule(
        kind="weekly",
        time_zone="Asia/Singapore",
        duration=2 * HOUR,
        weekdays=frozenset({0, 2}),
        at=time(20, 0),
    )
    found = occurrences(rule, start=utc(2026, 1, 5), end=utc(2026, 1, 12))  # Mon 5 Jan .. Mon 12 Jan
    assert [w.start for w in found] == [utc(2026, 1, 5, 12), utc(2026, 1, 7, 12)]
    assert all(w.duration == 2 * HOUR for w in found)


def test_weekly_rule_keeps_local_time_across_dst() -> None:
    # Berlin switches to summer time on Sunday 29 March 2026: 20:00 local is 19:00 UTC before, 18:00 after.
    rule = Rule(kind="weekly", time_zone="Europe/Berlin", duration=HOUR, weekdays=frozenset({6}), at=time(20))
    found = occurrences(rule, start=utc(2026, 3, 20), end=utc(2026, 4, 1))
    assert [w.start for w in found] == [utc(2026, 3, 22, 19), utc(2026, 3, 29, 18)]


def test_local_time_in_spring_forward_gap_moves_forward() -> None:
    zone = ZoneInfo("Europe/Berlin")
    # 02:30 on 29 March 2026 does not exist in Berlin; it becomes 03:30 CEST = 01:30 UTC.
    assert local_to_utc(date(2026, 3, 29), time(2, 30), zone) == utc(2026, 3, 29, 1, 30)


def test_validity_dates_bound_a_recurring_rule() -> None:
    rule = Rule(
        kind="weekly",
        time_zone="UTC",
        duration=HOUR,
        weekdays=frozenset(range(7)),
        at=time(9),
        valid_from=date(2026, 1, 3),
        valid_until=date(2026, 1, 4),
    )
    found = occurrences(rule, start=utc(2026, 1, 1), end=utc(2026, 1, 10))
    assert [w.start for w in found] == [utc(2026, 1, 3, 9), utc(2026, 1, 4, 9)]


def test_cron_rule_in_a_time_zone() -> None:
    rule = Rule(kind="cron", time_zone="Asia/Singapore", duration=HOUR, cron="30 8 * * 1-5")
    found = occurrences(rule, start=utc(2026, 1, 2, 0), end=utc(2026, 1, 16), limit=3)
    # Fri 2 Jan 08:30 SGT = 00:30 UTC, then Mon 5 and Tue 6.
    assert [w.start for w in found] == [
        utc(2026, 1, 2, 0, 30),
        utc(2026, 1, 5, 0, 30),
        utc(2026, 1, 6, 0, 30),
    ]


def test_cron_occurrence_exactly_at_now_is_included() -> None:
    rule = Rule(kind="cron", time_zone="UTC", duration=HOUR, cron="0 * * * *")
    assert occurrences(rule, start=utc(2026, 1, 1, 5), end=utc(2026, 1, 1, 6))[0].start == utc(2026, 1, 1, 5)


@pytest.mark.parametrize(("expression", "valid"), [("0 8 * * 1", True), ("61 8 * * *", False), ("", False)])
def test_cron_validation(expression: str, valid: bool) -> None:
    assert is_valid_cron(expression) is valid


def test_split_window_into_24h_pieces() -> None:
    window = Window(utc(2026, 1, 1), utc(2026, 1, 2, 6))
    pieces = split_window(window, timedelta(hours=24))
    assert pieces == [Window(utc(2026, 1, 1), utc(2026, 1, 2)), Window(utc(2026, 1, 2), utc(2026, 1, 2, 6))]
    assert split_window(Window(utc(2026, 1, 1), utc(2026, 1, 1, 1)), timedelta(hours=24)) == [
        Window(utc(2026, 1, 1), utc(2026, 1, 1, 1))
    ]


def test_peak_overlap_counts_simultaneous_windows_and_frees_at_end() -> None:
    windows = [
        Window(utc(2026, 1, 1, 10), utc(2026, 1, 1, 12)),
        Window(utc(2026, 1, 1, 11), utc(2026, 1, 1, 13)),
        Window(utc(2026, 1, 1, 12), utc(2026, 1, 1, 14)),  # starts when the first ends
    ]
    assert peak_overlap(windows) == 2
    assert peak_overlap([]) == 0
