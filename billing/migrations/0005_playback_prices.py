"""Price books gain the price of playing recorded files back (VOD CDN traffic, COS egress): added to every book
that lacks it, with the list prices of billing/list_prices.py. No existing price changes."""

from django.db import migrations

from billing.list_prices import PLAYBACK_PRICES_2024


def add_playback(apps, schema_editor):
    PriceBook = apps.get_model("billing", "PriceBook")
    for book in PriceBook.objects.all():
        if "playback_usd_per_gb" not in book.prices:
            book.prices = {**book.prices, "playback_usd_per_gb": PLAYBACK_PRICES_2024}
            book.save(update_fields=["prices"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_constraint_messages")]

    operations = [migrations.RunPython(add_playback, migrations.RunPython.noop)]
