"""Interaction markers: the business backend posts timed events; they land on the review timeline of the file."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AuditEntry
from recordings.models import InteractionEvent
from recordings.review.tests.support import make_file, make_room, make_session

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, token: str, body: Any) -> Any:
    return client.post(
        url, data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_room_events_are_stored_once_and_audited(client_as: Any, operator: Any, api_token: Any) -> None:
    room = make_room(room_key="hall-1")
    token = api_token(operator)
    at = timezone.now().replace(microsecond=0)
    body = {
        "events": [
            {"at": at.isoformat(), "kind": "bullet_comment", "text": "what a goal", "id": "c-1"},
            {
                "at": (at + timedelta(seconds=5)).isoformat(),
                "kind": "gift",
                "payload": {"gift": "rocket", "n": 3},
            },
        ]
    }
    response = post(client_as(None), "/api/v1/rooms/hall-1/interactions", token, body)
    assert response.status_code == 201 and response.json() == {"created": 2, "duplicates": 0}
    again = post(client_as(None), "/api/v1/rooms/hall-1/interactions", token, {"events": body["events"][:1]})
    assert again.json() == {"created": 0, "duplicates": 1}
    assert InteractionEvent.objects.filter(room=room).count() == 2
    gift = InteractionEvent.objects.get(kind="gift")
    assert gift.payload == {"gift": "rocket", "n": 3} and gift.at == at + timedelta(seconds=5)
    assert AuditEntry.objects.filter(action="review.interactions").count() == 2


def test_one_bad_event_rejects_the_batch_and_says_where(
    client_as: Any, operator: Any, api_token: Any
) -> None:
    make_room(room_key="hall-1")
    body = {
        "events": [
            {"at": timezone.now().isoformat(), "kind": "gift"},
            {"at": "yesterday", "kind": "Bad Kind", "colour": "red"},
        ]
    }
    response = post(client_as(None), "/api/v1/rooms/hall-1/interactions", api_token(operator), body)
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"events[1].at", "events[1].kind", "events[1].colour"}
    assert not InteractionEvent.objects.exists()


def test_unknown_room_or_recording_is_404(client_as: Any, operator: Any, api_token: Any) -> None:
    token = api_token(operator)
    assert post(client_as(None), "/api/v1/rooms/nope/interactions", token, {"events": []}).status_code == 404
    assert (
        post(client_as(None), "/api/v1/recordings/999/interactions", token, {"events": []}).status_code == 404
    )


@pytest.mark.parametrize("role", ["moderator", "manager"])
def test_only_operators_post(client_as: Any, role_user: Any, api_token: Any, role: str) -> None:
    make_room(room_key="hall-1")
    token = api_token(role_user(role))
    body = {"events": [{"at": timezone.now().isoformat(), "kind": "gift"}]}
    assert post(client_as(None), "/api/v1/rooms/hall-1/interactions", token, body).status_code == 403
    listing = client_as(None).get("/api/v1/rooms/hall-1/interactions", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listing.status_code == 200


def test_search_a_recordings_events(client_as: Any, operator: Any, api_token: Any) -> None:
    start = timezone.now() - timedelta(hours=1)
    session = make_session(make_room(), start=start)
    token = api_token(operator)
    events = [
        {"at": (start + timedelta(seconds=s)).isoformat(), "kind": k, "text": t}
        for s, k, t in [
            (10, "bullet_comment", "Hello world"),
            (20, "co_anchor_join", "Bob joined"),
            (30, "gift", ""),
        ]
    ]
    url = f"/api/v1/recordings/{session.pk}/interactions"
    assert post(client_as(None), url, token, {"events": events}).status_code == 201
    found = client_as(None).get(url, {"q": "hello"}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [(r["kind"], r["recording"]) for r in found["results"]] == [("bullet_comment", session.pk)]
    by_kind = client_as(None).get(url, {"kind": "gift"}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert by_kind["count"] == 1


def test_markers_sit_on_the_files_timeline_by_its_content_start(client_as: Any, moderator: Any) -> None:
    start = timezone.now() - timedelta(hours=1)
    room = make_room()
    session = make_session(room, start=start)
    recording = make_file(session=session, start=start + timedelta(seconds=60), duration_s=120)
    InteractionEvent.objects.create(room=room, at=start + timedelta(seconds=90), kind="gift", text="rocket")
    InteractionEvent.objects.create(session=session, at=start + timedelta(seconds=150), kind="co_anchor_join")
    InteractionEvent.objects.create(
        room=room, at=start + timedelta(seconds=30), kind="gift", text="before the file"
    )
    InteractionEvent.objects.create(
        room=make_room(), at=start + timedelta(seconds=90), kind="gift", text="elsewhere"
    )
    html = client_as(moderator).get(reverse("recordings:review_file", args=[recording.pk])).content.decode()
    assert 'data-kind="interaction" data-seek="30.000000"' in html and "rocket" in html
    assert 'data-kind="interaction" data-seek="90.000000"' in html
    assert "before the file" not in html and "elsewhere" not in html


def test_interactions_are_in_the_openapi_document(client_as: Any, operator: Any) -> None:
    document = client_as(operator).get("/api/v1/openapi.json").json()
    assert {"get", "post"} <= set(document["paths"]["/api/v1/rooms/{room_key}/interactions"])
    assert "post" in document["paths"]["/api/v1/recordings/{id}/interactions"]
