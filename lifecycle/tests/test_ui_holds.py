"""Legal holds from the console: placed on a file, a recording or a room and lifted again (each audited), refused
to roles without hold_files, and a held file's page says so and refuses its deletion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AuditEntry
from lifecycle.models import LegalHold
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from recordings.models import RecordingFile
from recordings.sessions.tests.session_page_support import starting_session

pytestmark = pytest.mark.django_db

Login = Callable[[User | None], Client]


@pytest.fixture
def recording_file(db: None) -> RecordingFile:
    # No policy: placing and lifting a hold then asks nothing of Tencent (no expiry to set or clear).
    return make_file(room=RoomFactory.create(name="Hearing room"), file_id="held-1")


def test_a_hold_placed_on_a_file_and_lifted_from_the_ui(
    recording_file: RecordingFile, moderator: User, client_as: Login
) -> None:
    client = client_as(moderator)
    file_url = reverse("recordings:file_detail", args=[recording_file.pk])
    until = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("lifecycle:hold_place", args=["file", recording_file.pk]),
        {"reason": "Dispute #1204", "until": until, "next": file_url},
    )
    assert response.status_code == 302 and response["Location"] == file_url
    hold = LegalHold.objects.get(file=recording_file)
    assert (hold.reason, hold.placed_by) == ("Dispute #1204", moderator) and hold.until is not None
    placed = AuditEntry.objects.get(action="retention.hold_place", object_id=str(hold.pk))
    assert placed.actor == moderator and placed.changes["reason"] == "Dispute #1204"

    storage = client.get(reverse("lifecycle:storage")).content.decode()
    assert "Dispute #1204" in storage and reverse("lifecycle:hold_lift", args=[hold.pk]) in storage

    response = client.post(reverse("lifecycle:hold_lift", args=[hold.pk]), {"next": file_url})
    assert response.status_code == 302 and response["Location"] == file_url
    hold.refresh_from_db()
    assert hold.lifted_at is not None and hold.lifted_by == moderator
    assert AuditEntry.objects.get(action="retention.hold_lift", object_id=str(hold.pk)).actor == moderator
    assert "No legal hold is active." in client.get(reverse("lifecycle:storage")).content.decode()
    # Lifted already: nothing left to lift.
    assert client.post(reverse("lifecycle:hold_lift", args=[hold.pk])).status_code == 404


def test_holds_on_a_room_and_a_recording(
    recording_file: RecordingFile, manager: User, client_as: Login
) -> None:
    client = client_as(manager)
    room = recording_file.room
    assert room is not None
    room_url = reverse("recordings:room_detail", args=[room.pk])
    response = client.post(
        reverse("lifecycle:hold_place", args=["room", room.pk]), {"reason": "Regulator", "next": room_url}
    )
    assert response.status_code == 302
    page = client.get(room_url).content.decode()
    assert "Held: Regulator (by mark, until lifted)" in page
    assert LegalHold.objects.covering(recording_file).get().room == room

    session = starting_session(room)
    session_url = reverse("recordings:session_detail", args=[session.pk])
    assert (
        reverse("lifecycle:hold_place", args=["session", session.pk])
        in client.get(session_url).content.decode()
    )
    client.post(reverse("lifecycle:hold_place", args=["session", session.pk]), {"reason": "Complaint 7"})
    assert LegalHold.objects.get(session=session).reason == "Complaint 7"
    assert "Held: Complaint 7 (by mark, until lifted)" in client.get(session_url).content.decode()
    assert AuditEntry.objects.filter(action="retention.hold_place").count() == 2


def test_a_hold_needs_a_reason_and_a_future_until(
    recording_file: RecordingFile, moderator: User, client_as: Login
) -> None:
    url = reverse("lifecycle:hold_place", args=["file", recording_file.pk])
    client = client_as(moderator)
    form = client.get(url)
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400 and "Give a reason." in response.content.decode()
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"reason": "x", "until": past})
    assert response.status_code == 400 and "Give a time in the future." in response.content.decode()
    assert client.post(url, {"reason": "x", "until": "not a time"}).status_code == 400
    assert (
        client.post(reverse("lifecycle:hold_place", args=["planet", 1]), {"reason": "x"}).status_code == 404
    )
    assert not LegalHold.objects.exists()


def test_roles_without_hold_files_may_not_place_or_lift(
    recording_file: RecordingFile, operator: User, moderator: User, client_as: Login
) -> None:
    url = reverse("lifecycle:hold_place", args=["file", recording_file.pk])
    assert client_as(operator).post(url, {"reason": "mine"}).status_code == 403
    hold = LegalHold.objects.create(file=recording_file, reason="theirs", placed_by=moderator)
    assert client_as(operator).post(reverse("lifecycle:hold_lift", args=[hold.pk])).status_code == 403
    hold.refresh_from_db()
    assert hold.lifted_at is None
    room = recording_file.room
    assert room is not None
    page = client_as(operator).get(reverse("recordings:room_detail", args=[room.pk])).content.decode()
    assert "Place a hold" not in page


def test_a_held_file_page_says_so_and_its_delete_button_is_disabled(
    recording_file: RecordingFile, moderator: User, operator: User, client_as: Login
) -> None:
    file_url = reverse("recordings:file_detail", args=[recording_file.pk])
    delete_url = reverse("recordings:file_delete", args=[recording_file.pk])
    assert f'href="{delete_url}"' in client_as(operator).get(file_url).content.decode()

    room = recording_file.room
    assert room is not None
    client_as(moderator).post(
        reverse("lifecycle:hold_place", args=["room", room.pk]), {"reason": "Lawsuit 9"}
    )
    page = client_as(operator).get(file_url).content.decode()
    assert "Held: Lawsuit 9 (by maya, until lifted)" in page and "placed on its room" in page
    assert f'href="{delete_url}"' not in page and "data-held-delete" in page
    # The delete itself refuses too (the service's veto), whatever the page shows.
    client_as(operator).post(delete_url)
    recording_file.refresh_from_db()
    assert recording_file.deleted_at is None
