"""The four indexes migrations 0009 and 0011 created by raw SQL are declared in the models' Meta.indexes and entered
the migration state in 0013 without touching the databases. The declarations must be the indexes the SQL made:
otherwise the state lies about the databases (a later RemoveIndex/AddIndex, or SQLite's table rebuild, which
recreates the indexes from the state, would quietly change them).

On PostgreSQL each index the migrations made is compared with the one Django creates from the declaration, as
PostgreSQL itself normalises both (pg_indexes.indexdef); on SQLite (the demo's database) the same comparison is
made in an in-memory database from the SQL the migrations run there.
"""

from __future__ import annotations

import re
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.db.utils import ConnectionHandler

from recordings.models import RecordingFile, ReviewVerdict

INDEXES: dict[str, type[models.Model]] = {
    "reviewverdict_hiding_idx": ReviewVerdict,
    "recfile_size_idx": RecordingFile,
    "recfile_pending_room_idx": RecordingFile,
    "recfile_rejected_keys_idx": RecordingFile,
}


def declared(name: str) -> tuple[type[models.Model], models.Index]:
    model = INDEXES[name]
    (index,) = [index for index in model._meta.indexes if index.name == name]
    return model, index


def pg_indexdef(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        rows = cursor.fetchall()
    assert len(rows) == 1, f"{name}: {len(rows)} indexes of that name"
    return str(rows[0][0])


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_indexes is PostgreSQL's")
@pytest.mark.parametrize("name", INDEXES)
def test_the_declared_index_is_the_one_the_migrations_sql_created(name: str) -> None:
    model, index = declared(name)
    probe = index.clone()
    probe.name = "probe_declared_idx"
    # Created inside the test's transaction, so it is rolled back with it.
    with connection.schema_editor() as editor:
        editor.execute(probe.create_sql(model, editor))
    assert pg_indexdef(name) == pg_indexdef(probe.name).replace(probe.name, name)


@pytest.mark.django_db
def test_migration_0013_changes_no_database() -> None:
    """The indexes exist already (0009, 0011): 0013 must not create them again, nor anything else."""
    out = StringIO()
    call_command("sqlmigrate", "recordings", "0013", stdout=out)
    lines = [line.strip() for line in out.getvalue().splitlines()]
    statements = [line for line in lines if line and not line.startswith("--")]
    assert statements in ([], ["BEGIN;", "COMMIT;"])  # the transaction around nothing


def test_the_migration_state_knows_each_index_as_declared() -> None:
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    for name, model in INDEXES.items():
        in_state = state.models["recordings", model._meta.model_name].options["indexes"]
        assert declared(name)[1] in in_state, name


def closing_parenthesis(text: str) -> int:
    """Where the parenthesis that opens `text` closes (-1: it does not)."""
    depth = 0
    for position, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return position
    return -1


def sqlite_where(create_sql: str) -> str:
    """The WHERE clause of a CREATE INDEX as SQLite keeps it (the text as written), without the one pair of
    parentheses around all of it that Django writes and the migrations did not."""
    where = create_sql.partition(" WHERE ")[2].strip()
    if where.startswith("(") and closing_parenthesis(where) == len(where) - 1:
        where = where[1:-1]
    return re.sub(r"\s+", " ", where)


def sqlite_index(cursor: Any, name: str) -> tuple[list[tuple[Any, ...]], str]:
    """An index's columns (name, DESC, collation, key or not) and its WHERE clause."""
    cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
    (sql,) = cursor.fetchone()
    cursor.execute(f'PRAGMA index_xinfo("{name}")')
    return [row[2:] for row in cursor.fetchall()], sqlite_where(sql)


@pytest.mark.django_db
def test_on_sqlite_the_declared_indexes_are_the_ones_the_migrations_sql_creates() -> None:
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})[
        "default"
    ]
    try:
        # The tables as the models define them, with the declared indexes (Django's SQL for SQLite).
        with sqlite.schema_editor() as editor:
            editor.create_model(RecordingFile)
            editor.create_model(ReviewVerdict)
        # The SQL 0009 and 0011 run on SQLite, under other names beside them.
        with sqlite.schema_editor(collect_sql=True) as editor:
            import_module("recordings.migrations.0011_review_callback_indexes_sql").create(None, editor)
        migrations_sql = [
            sql for _, sql in import_module("recordings.migrations.0009_page_indexes_sql").INDEXES
        ]
        migrations_sql += editor.collected_sql
        with sqlite.cursor() as cursor:
            for name in INDEXES:
                (sql,) = [sql for sql in migrations_sql if f'"{name}"' in sql]
                cursor.execute(sql.replace(f'"{name}"', f'"sql_{name}"'))
                assert sqlite_index(cursor, name) == sqlite_index(cursor, f"sql_{name}"), name
    finally:
        sqlite.close()
