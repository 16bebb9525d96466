"""Indexes for the list pages at 100k recordings / 200k files (issue #15), found from their query plans.

- `reviewverdict_hiding_idx`: the files a rejection hides (RecordingFile.objects.hidden_from_outputs) are asked
  by every files page, the callback log and the API for users who do not see reviews; without it each ask read
  every verdict (seq scan, ~20 ms at 180k verdicts, three times per callback-log query).
- `recfile_size_idx`: the outputs browser's "Largest" sort read and sorted every file (~130 ms).

They are plain SQL (SQLite and PostgreSQL both accept it) rather than `Meta.indexes`, because the two model
modules were being edited by another change at the same time; moving them into `Meta.indexes` later needs a
migration with SeparateDatabaseAndState (state only), as the indexes already exist.
"""

from django.db import migrations

INDEXES = [
    (
        "reviewverdict_hiding_idx",
        'CREATE INDEX IF NOT EXISTS "reviewverdict_hiding_idx" ON "recordings_reviewverdict" ("file_id") '
        'WHERE "is_current" AND "hide_from_outputs"',
    ),
    (
        "recfile_size_idx",
        'CREATE INDEX IF NOT EXISTS "recfile_size_idx" ON "recordings_recordingfile" ("size_bytes" DESC, "id" DESC)',
    ),
]


class Migration(migrations.Migration):
    dependencies = [("recordings", "0008_callback_inbox")]

    operations = [
        migrations.RunSQL(sql, reverse_sql=f'DROP INDEX IF EXISTS "{name}"') for name, sql in INDEXES
    ]
