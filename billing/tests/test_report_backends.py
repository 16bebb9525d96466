"""The cost report reads timestamps as integer epoch microseconds in SQL (billing.report_data.EpochMicros): the
same integers on SQLite (the demo's database) as on PostgreSQL, with DEBUG (query logging) on and off.
dashboard/tests/test_sqlite_demo.py compares whole reports across the two backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import DateTimeField
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query
from django.db.utils import load_backend

from billing.report_data import EpochMicros

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
INSTANTS = [
    datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
    datetime(2026, 12, 3, 2, 0, 0, 500000, tzinfo=UTC),
    datetime(2026, 11, 30, 15, 59, 59, 999999, tzinfo=UTC),  # the last microsecond of a UTC+8 month
    datetime(2038, 1, 19, 3, 14, 8, 1, tzinfo=UTC),  # past 32-bit seconds
    datetime(1999, 12, 31, 23, 59, 59, 7, tzinfo=UTC),
]


def micros(instant: datetime) -> int:
    return (instant - EPOCH) // timedelta(microseconds=1)


def epoch_micros_sql(wrapper: Any) -> tuple[str, tuple[Any, ...]]:
    compiler = Query(None).get_compiler(connection=wrapper)
    sql, params = compiler.compile(EpochMicros(RawSQL("ts", (), output_field=DateTimeField())))
    return sql, tuple(params)


def on_sqlite(rows: list[str | None]) -> list[int | None]:
    """EpochMicros over a column holding `rows` (text as stored), on a throw-away SQLite database."""
    sqlite = load_backend("django.db.backends.sqlite3").DatabaseWrapper(
        {
            **connection.settings_dict,
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "OPTIONS": {},
        },
        "report-sqlite",
    )
    sql, params = epoch_micros_sql(sqlite)
    try:
        with sqlite.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n integer, ts datetime)")
            for n, row in enumerate(rows):
                cursor.execute("INSERT INTO t VALUES (%s, %s)", [n, row])
            cursor.execute(f"SELECT {sql} FROM t ORDER BY n", params)
            return [value for (value,) in cursor.fetchall()]
    finally:
        sqlite.close()


def on_postgresql(instants: list[datetime | None]) -> list[int | None]:
    sql, params = epoch_micros_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql} FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS v(ts, n) ORDER BY n",
            (*params, instants),
        )
        return [value for (value,) in cursor.fetchall()]


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
def test_epoch_micros_are_exact_and_equal_on_sqlite_and_postgresql(
    db: None, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug  # on: every query also passes through Django's query logging (debug_sql)
    # Django writes SQLite timestamps as naive UTC text, 6 fraction digits or none (the format read back).
    sqlite_text = [
        load_backend("django.db.backends.sqlite3")
        .DatabaseOperations(None)
        .adapt_datetimefield_value(instant.replace(tzinfo=None))
        for instant in INSTANTS
    ]
    expected = [micros(instant) for instant in INSTANTS]
    assert on_sqlite([*sqlite_text, None]) == [*expected, None]
    assert on_postgresql([*INSTANTS, None]) == [*expected, None]


def test_sqlite_reads_a_millisecond_fraction_as_milliseconds(db: None) -> None:
    # SQL's own clock on SQLite (e.g. Django's Now()) writes three fraction digits.
    assert on_sqlite(["2026-12-03 02:00:00.123"]) == [
        micros(datetime(2026, 12, 3, 2, 0, 0, 123000, tzinfo=UTC))
    ]
