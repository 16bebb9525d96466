"""The four indexes migrations 0009 and 0011 created by raw SQL enter the migration state (the models' Meta.indexes).

State only: the databases that ran 0009 and 0011 already have them, and a new database still gets them from those
two migrations, so nothing is executed here. From now on Django knows them: `makemigrations` sees a change to
them, and SQLite's table rebuilds (which recreate only the indexes the state knows) keep them.
recordings/tests/test_model_indexes.py checks that each definition is the one the SQL created.
"""

from django.db import migrations, models

STATE = [
    migrations.AddIndex(
        model_name="recordingfile",
        index=models.Index(fields=["-size_bytes", "-id"], name="recfile_size_idx"),
    ),
    migrations.AddIndex(
        model_name="recordingfile",
        index=models.Index(
            condition=models.Q(("review_status", "pending"), ("deleted_at__isnull", True)),
            fields=["room"],
            name="recfile_pending_room_idx",
        ),
    ),
    migrations.AddIndex(
        model_name="recordingfile",
        index=models.Index(
            condition=models.Q(("review_status", "rejected")),
            fields=["id"],
            include=("file_id", "url"),
            name="recfile_rejected_keys_idx",
        ),
    ),
    migrations.AddIndex(
        model_name="reviewverdict",
        index=models.Index(
            condition=models.Q(("is_current", True), ("hide_from_outputs", True)),
            fields=["file"],
            name="reviewverdict_hiding_idx",
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [("recordings", "0012_translatable_model_names")]

    operations = [migrations.SeparateDatabaseAndState(state_operations=STATE, database_operations=[])]
