"""The initial list of reject reasons (moderators pick one; managers edit the list in the admin)."""

from django.db import migrations

REASONS = [
    ("technical", "Technical quality (black, frozen, silent or broken)"),
    ("incomplete", "Incomplete or cut off"),
    ("inappropriate", "Inappropriate or unsafe content"),
    ("copyright", "Third-party copyrighted material"),
    ("privacy", "Personal data or privacy concern"),
    ("off_topic", "Not the expected programme"),
    ("other", "Other (explain in the comment)"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    RejectReason = apps.get_model("recordings", "RejectReason")
    for position, (code, label) in enumerate(REASONS, start=1):
        RejectReason.objects.get_or_create(code=code, defaults={"label": label, "position": position * 10})


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("recordings", "RejectReason").objects.filter(
        code__in=[code for code, _ in REASONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("recordings", "0004_review")]

    operations = [migrations.RunPython(seed, unseed)]
