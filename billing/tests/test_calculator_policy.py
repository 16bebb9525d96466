"""The calculator and the estimates API price storage by a retention policy per recording, and the expected
playback of its files. The recording: 2 h at 8 Mbps in MP4 + HLS = 14.4 GB in VOD outside the mainland
(STANDARD 0.0009, STANDARD_IA 0.0006 USD per GB-day); playback at the book's VOD traffic price, 0.0748 per GB."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from billing.tests.test_pages import _plan
from lifecycle.services import retention_policy_save
from recordings.catalog.tests.factories import RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


def test_a_rows_policy_and_playback_are_priced(client_as, manager):
    row = {
        "rec-0-standard_ia_after_days": "30",
        "rec-0-retention_days": "90",
        "rec-0-playback_gb": "100",
    }
    body = client_as(manager).post(reverse("billing:calculator"), {**_plan(), **row}).content.decode()
    # 14.4 GB x (30 days x 0.0009 + 60 days x 0.0006) = 0.9072; 100 GB x 0.0748 = 7.48.
    assert "$0.91" in body and "STANDARD_IA after 30 d" in body
    assert re.search(r'id="estimate-file-playback">\$7\.48<', body)


def test_an_impossible_policy_is_a_field_error_not_an_estimate(client_as, manager):
    row = {
        "rec-0-standard_ia_after_days": "30",
        "rec-0-archive_after_days": "20",
        "rec-0-retention_days": "90",
    }
    response = client_as(manager).post(reverse("billing:calculator"), {**_plan(), **row})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="estimate-total"' not in body
    assert "Recording 1, Archive after days: each move must come at least a day later" in body


def test_kept_forever_when_delete_after_is_empty(client_as, manager):
    body = (
        client_as(manager)
        .post(reverse("billing:calculator"), {**_plan(), "rec-0-retention_days": ""})
        .content.decode()
    )
    assert "kept forever (first 365 days priced)" in body
    assert "$4.73" in body  # 14.4 GB x 365 days x 0.0009 = 4.7304


def test_the_first_row_takes_the_apps_or_rooms_policy(client_as, manager):
    room = RoomFactory.create()
    retention_policy_save(
        client_app=room.client_app, data={"keep_days": 90, "standard_ia_after_days": 30}, actor=manager
    )
    client = client_as(manager)
    for query in ({"app": room.client_app.pk}, {"room": room.room_key}):
        body = client.get(reverse("billing:calculator"), query).content.decode()
        assert re.search(r'name="rec-0-retention_days" value="90"', body)
        assert re.search(r'name="rec-0-standard_ia_after_days" value="30"', body)
    retention_policy_save(room=room, data={"keep_days": None}, actor=manager)  # the room keeps forever
    body = client.get(reverse("billing:calculator"), {"room": room.room_key}).content.decode()
    assert re.search(r'name="rec-0-retention_days"(?! value)', body)
    assert "kept forever" in body


def test_the_api_takes_a_policy_and_expected_playback(client, operator, api_token):
    from billing.tests.test_api import EXAMPLE, post

    recording = {**EXAMPLE["recordings"][0], "retention_days": None, "archive_after_days": 30}
    response = post(
        client, {**EXAMPLE, "recordings": [{**recording, "playback_gb": 10}]}, api_token(operator)
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["file_playback"] == {"cost": 0.75, "gb": 10.0}
    [priced] = data["recordings"]
    assert "ARCHIVE after 30 d" in priced["storage_note"] and "kept forever" in priced["storage_note"]
    # 14.4 GB x (30 days x 0.0009 + 335 days x 0.0003)
    assert priced["storage"] == 1.84 and priced["playback"] == 0.75
    bad = post(client, {**EXAMPLE, "recordings": [{**recording, "playback_gb": -1}]}, api_token(operator))
    assert bad.status_code == 400


def test_a_rooms_start_estimate_prices_its_files_under_the_rooms_policy(manager):
    from billing.tests.factories import at
    from recordings.estimates import recording_estimate

    room = RoomFactory.create()
    retention_policy_save(
        client_app=room.client_app, data={"keep_days": 60, "standard_ia_after_days": 30}, actor=manager
    )
    delta = recording_estimate(room=room, start=at(1, 20), minutes=60)
    assert delta is not None and delta.recording.storage is not None
    assert (
        "STANDARD_IA after 30 d" in delta.recording.storage.note and "60 days" in delta.recording.storage.note
    )


def test_the_price_book_page_lists_the_playback_prices(client_as, manager, list_price_book):
    body = (
        client_as(manager)
        .get(reverse("billing:pricebook_detail", args=[list_price_book.pk]))
        .content.decode()
    )
    assert 'data-testid="playback-prices"' in body
    assert "VOD CDN traffic, Outside the mainland" in body and "0.0748" in body
    assert "COS egress, Singapore" in body


def test_an_added_row_keeps_the_policy_of_the_row_above(client_as, manager):
    row = {"rec-0-standard_ia_after_days": "30", "rec-0-retention_days": ""}
    body = (
        client_as(manager)
        .post(reverse("billing:calculator"), {**_plan(), **row, "add_row": "1"})
        .content.decode()
    )
    assert re.search(r'name="rec-1-standard_ia_after_days" value="30"', body)
    assert re.search(r'name="rec-1-retention_days"(?! value)', body)
