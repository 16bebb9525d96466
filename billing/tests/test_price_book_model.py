from datetime import date
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from billing.list_prices import LIST_PRICES_2024
from billing.models import PriceBook
from billing.tests.factories import LIST_PRICES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


def test_seed_migration_creates_the_list_prices_as_version_1():
    seed = import_module("billing.migrations.0002_seed_list_prices").seed
    PriceBook.objects.all().delete()
    seed(django_apps, None)
    seed(django_apps, None)  # idempotent
    book = PriceBook.objects.get()
    assert book.currency == "USD"
    assert book.typed == LIST_PRICES
    assert book.reference()["version"] == 1


def test_in_effect_picks_the_newest_version_effective_on_the_date():
    first = PriceBook.objects.get(version=1)
    later = PriceBook.objects.create(
        name="2027 prices", version=2, effective_from=date(2027, 1, 1), prices=LIST_PRICES_2024
    )
    assert PriceBook.objects.in_effect(date(2026, 12, 1)) == first
    assert PriceBook.objects.in_effect(date(2027, 3, 1)) == later
    assert PriceBook.objects.in_effect(date(2000, 1, 1)) == first  # before any book: the first one


def test_clean_reports_price_errors_on_the_prices_field():
    book = PriceBook(name="x", version=9, effective_from=date(2027, 1, 1), prices={"car_packs": {}})
    with pytest.raises(ValidationError) as caught:
        book.full_clean()
    assert "prices" in caught.value.message_dict
