from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import PriceBook
from dashboard.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]

VIEW_PAGES: list[tuple[str, dict[str, int]]] = [
    ("billing:calculator", {}),
    ("billing:pricebook_list", {}),
    ("billing:pricebook_detail", {"pk": 0}),
]
EDIT_PAGES: list[tuple[str, dict[str, int]]] = [("billing:pricebook_create", {})]


@pytest.mark.parametrize(("name", "kwargs"), VIEW_PAGES + EDIT_PAGES)
@pytest.mark.parametrize(
    ("role", "expected"), [("manager", 200), ("operator", 403), ("moderator", 403), ("anonymous", 302)]
)
def test_permission_matrix(role_user, client_as, list_price_book, name, kwargs, role, expected):
    kwargs = {"pk": list_price_book.pk} if kwargs else {}
    response = client_as(role_user(role)).get(reverse(name, kwargs=kwargs))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


def test_calculator_get_shows_a_default_plan_with_its_estimate_and_charts(client_as, manager):
    response = client_as(manager).get(reverse("billing:calculator"))
    body = response.content.decode()
    assert 'id="estimate-total"' in body
    assert "plotly-graph-div" in body and "vendor/plotly/plotly.min.js" in body
    assert "Tencent Cloud international list prices" in body


def test_calculator_post_computes_the_plan(client_as, manager):
    body = client_as(manager).post(reverse("billing:calculator"), _plan()).content.decode()
    # Same plan as the API example: total 133.48.
    assert "$133.48" in body and "$92.75" in body


def test_htmx_change_renders_only_the_estimate(client_as, manager):
    client = client_as(manager)
    response = client.post(
        reverse("billing:calculator"),
        {**_plan(), "downstream_gb_per_day": "0"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="estimate",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="estimate"')
    assert "plan-form" not in body
    assert "$40.73" in body  # no playback: the recording's own cost is the total


def test_invalid_input_lists_errors_instead_of_an_estimate(client_as, manager):
    response = client_as(manager).post(
        reverse("billing:calculator"),
        {**_plan(), "rec-0-duration_minutes": "0", "rec-0-start": "2027-03-01T10:00"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="estimate",
    )
    body = response.content.decode()
    assert "Fix these fields" in body and "Recording 1, Minutes" in body
    assert 'id="estimate-total"' not in body


def test_add_and_remove_rows(client_as, manager):
    client = client_as(manager)
    added = client.post(
        reverse("billing:calculator"),
        {**_plan(), "add_row": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="calculator",
    ).content.decode()
    assert added.count('class="recording-row"') == 2
    assert 'name="rec-TOTAL_FORMS" value="2"' in added
    removed = client.post(
        reverse("billing:calculator"),
        {**_plan(), "remove_row": "0"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="calculator",
    ).content.decode()
    assert removed.count('class="recording-row"') == 0
    assert "No recordings planned" in removed


def test_pricebook_list_and_detail_show_the_seeded_prices(client_as, manager):
    client = client_as(manager)
    listing = client.get(reverse("billing:pricebook_list")).content.decode()
    assert "v1" in listing and "in effect today" in listing
    book = PriceBook.objects.get(version=1)
    detail = client.get(reverse("billing:pricebook_detail", kwargs={"pk": book.pk})).content.decode()
    assert "5.2941" in detail and "0.0748" in detail and "398" in detail


def price_form_data(client) -> dict[str, str]:
    form = client.get(reverse("billing:pricebook_create")).context["form"]
    data = {name: str(form[name].initial) for name in form.price_paths}
    return {**data, "name": "2027 prices", "effective_from": "2027-01-01", "notes": ""}


def test_every_price_is_a_prefilled_field(client_as, manager):
    body = client_as(manager).get(reverse("billing:pricebook_create")).content.decode()
    assert 'name="price-recording-usd_per_channel_month"' in body and 'value="5.2941"' in body
    assert 'name="price-css_downstream_tiers-AP1-0-usd_per_gb"' in body and 'value="0.0748"' in body
    assert 'name="price-car_packs-seoul-L-daily"' in body


def test_new_version_is_created_audited_and_leaves_the_old_one_alone(client_as, manager):
    client = client_as(manager)
    data = price_form_data(client)
    data["price-recording-usd_per_channel_month"] = "6"
    response = client.post(reverse("billing:pricebook_create"), data)
    book = PriceBook.objects.get(version=2)
    assert response.status_code == 302 and response["Location"] == reverse(
        "billing:pricebook_detail", args=[book.pk]
    )
    assert str(book.typed.recording_usd_per_channel_month) == "6"
    assert str(PriceBook.objects.get(version=1).typed.recording_usd_per_channel_month) == "5.2941"
    entry = AuditEntry.objects.get(action="pricebook.create")
    assert entry.changes["prices"] == {"recording.usd_per_channel_month": ["5.2941", "6"]}
    detail = client.get(reverse("billing:pricebook_detail", args=[book.pk])).content.decode()
    assert "Changes from v1" in detail and "recording.usd_per_channel_month" in detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price-car_packs-tokyo-S-daily", "-1", "greater than or equal to 0"),
        ("price-css_downstream_tiers-AP1-1-up_to_gb", "1000", "ascending"),
    ],
)
def test_invalid_prices_are_rejected(client_as, manager, field, value, message):
    client = client_as(manager)
    data = price_form_data(client)
    data[field] = value
    response = client.post(reverse("billing:pricebook_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PriceBook.objects.count() == 1
    assert not AuditEntry.objects.filter(action="pricebook.create").exists()


def _plan():
    return {
        "month": "2026-12",
        "car_region": "singapore",
        "css_region": "AP1",
        "vod_area": "outside",
        "cos_region": "singapore",
        "downstream_gb_per_day": "40",
        "rec-TOTAL_FORMS": "1",
        "rec-INITIAL_FORMS": "0",
        "rec-0-start": "2026-12-01T20:00",
        "rec-0-duration_minutes": "120",
        "rec-0-spec": "S",
        "rec-0-push_mbps": "8",
        "rec-0-formats": ["mp4", "hls"],
        "rec-0-storage": "vod",
        "rec-0-storage_class": "STANDARD",
        "rec-0-retention_days": "30",
    }


def test_rows_can_be_added_without_javascript(client_as, manager):
    response = client_as(manager).post(reverse("billing:calculator"), {**_plan(), "add_row": "1"})
    body = response.content.decode()
    assert "<!doctype html>" in body.lower()
    assert body.count('class="recording-row"') == 2
    # The new row starts on the plan's month's first evening, so it is priced right away.
    assert 'value="2026-12-01T20:00"' in body and 'id="estimate-total"' in body
