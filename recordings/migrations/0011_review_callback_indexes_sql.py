"""Two more indexes from the list pages' plans at 100k recordings / 200k files (issue #15).

- `recfile_pending_room_idx`: the review queue filtered by room (a room tag, an app, a room) counted its files by
  reading all ~33k pending files' rows for their room (a bitmap heap scan, ~65 ms); the count is now an
  index-only read of the matching rooms' entries.
- `recfile_rejected_keys_idx`: the callback log hides, for users who do not see reviews, the events of files a
  rejection hid, matching the events' FileId / URL against those files' FileIds and URLs — three lookups per query,
  each of which read ~13k rejected files' rows (~9 ms each); with FileId and URL in the index the reads are
  index-only. PostgreSQL keeps them as INCLUDE columns; SQLite (no INCLUDE) gets the plain partial index.

Plain SQL, like 0009, so the model modules (edited by another change meanwhile) stay as they are.
"""

from typing import Any

from django.db import migrations

INDEXES = {
    "recfile_pending_room_idx": (
        'ON "recordings_recordingfile" ("room_id") WHERE "review_status" = \'pending\' AND "deleted_at" IS NULL',
        "",
    ),
    "recfile_rejected_keys_idx": (
        'ON "recordings_recordingfile" ("id") {include} WHERE "review_status" = \'rejected\'',
        'INCLUDE ("file_id", "url")',
    ),
}


def create(apps: Any, schema_editor: Any) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, (body, include) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ' + body.format(include=include if postgres else "")
        )


def drop(apps: Any, schema_editor: Any) -> None:
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("recordings", "0010_translatable_labels")]

    operations = [migrations.RunPython(create, drop)]
