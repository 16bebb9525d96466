"""What the bench-pages seeders share: models by class name, COPY of rows, and the rows they pass along."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.utils import timezone


def model(name: str) -> type[Model]:
    """The model class called `name`, wherever it lives (the seeder outlives moves between modules and apps)."""
    found = [m for m in apps.get_models() if m.__name__ == name]
    if len(found) != 1:
        raise LookupError(f"expected one model named {name}, found {len(found)}")
    return found[0]


def copy_rows(model_class: type[Model], rows: Iterable[dict[str, Any]]) -> int:
    """COPY rows (dicts of field attnames → values, primary key included) into the model's table; fields a row
    leaves out get their model default, computed once. Returns the row count."""
    from psycopg.types.json import Jsonb

    now = timezone.now()
    fields = list(model_class._meta.concrete_fields)
    defaults: list[Any] = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults.append(now)
        elif f.has_default() or not f.null:
            defaults.append(f.get_default())
        else:
            defaults.append(None)
    json_columns = {i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model_class._meta.db_table)
    names = [f.attname for f in fields]
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
                for i in json_columns:
                    values[i] = Jsonb(values[i])
                copy.write_row(values)
                count += 1
        pk = model_class._meta.pk
        if count and pk is not None and pk.get_internal_type() in {"AutoField", "BigAutoField"}:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), (SELECT max({pk.column}) FROM {table}))",
                [model_class._meta.db_table, pk.column],
            )
    return count


@dataclass
class Counts:
    rows: dict[str, int]

    def add(self, name: str, n: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + n


@dataclass(frozen=True)
class RoomRow:
    pk: int
    stream: str
    app_id: int


@dataclass(frozen=True)
class SessionRow:
    pk: int
    room: RoomRow
    start: datetime
    end: datetime
    state: str
