from datetime import date

from django.db import migrations

from billing.list_prices import LIST_PRICES_2024


def seed(apps, schema_editor):
    PriceBook = apps.get_model("billing", "PriceBook")
    PriceBook.objects.get_or_create(
        version=1,
        defaults={
            "name": "Tencent Cloud international list prices",
            "effective_from": date(2024, 10, 1),
            "currency": "USD",
            "notes": "Public list prices as published in late 2024 (see pricing.md).",
            "prices": LIST_PRICES_2024,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("billing", "PriceBook").objects.filter(version=1, created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_price_book")]

    operations = [migrations.RunPython(seed, unseed)]
