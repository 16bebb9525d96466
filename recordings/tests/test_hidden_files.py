"""A rejected file hidden by its verdict is hidden everywhere — recording page, callback log, files API, the outputs
search — except for those who see reviews (moderators and managers), by one rule: RecordingFile.visible_to."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recordings.models import (
    CallbackEventType,
    CssCallbackEvent,
    Decision,
    RecordingFile,
    StorageKind,
)
from recordings.review.services import review
from recordings.review.services.review import VerdictInput
from recordings.review.tests.support import make_file, make_room, make_session

pytestmark = pytest.mark.django_db

HIDDEN_FILE_ID = "5285890999000001"
HIDDEN_URL = "https://vod.example.com/hidden/secret-take.mp4"
HIDDEN_COS_URL = "https://bucket.cos.ap-singapore.myqcloud.com/record/s/hidden-cos.mp4"


def hide(file: RecordingFile, moderator: Any) -> None:
    review.review_verdict(
        file_pk=file.pk,
        verdict=VerdictInput(decision=Decision.REJECT, reason_code="privacy", hide_from_outputs=True),
        actor=moderator,
    )


def file_event(payload: dict[str, Any]) -> CssCallbackEvent:
    body = {"event_type": CallbackEventType.RECORDING_FILE, "stream_id": "stage", **payload}
    return CssCallbackEvent.objects.create(
        event_type=CallbackEventType.RECORDING_FILE,
        stream_name="stage",
        dedupe_key=json.dumps(payload, sort_keys=True)[:64],
        raw_body=json.dumps(body),
        payload=body,
    )


@pytest.fixture
def scene(moderator: Any) -> dict[str, Any]:
    """A finished recording with a kept file, a hidden VOD file and a hidden COS file, and their callbacks."""
    session = make_session(make_room(stream_name="stage"), start=timezone.now())
    kept = make_file(session=session, url="https://vod.example.com/kept/take.mp4")
    hidden = make_file(session=session, file_id=HIDDEN_FILE_ID, url=HIDDEN_URL, resolution="1234x567")
    hidden_cos = make_file(session=session, cos_key="record/s/hidden-cos.mp4", url=HIDDEN_COS_URL)
    assert hidden_cos.storage == StorageKind.COS
    hide(hidden, moderator)
    hide(hidden_cos, moderator)
    return {
        "session": session,
        "kept": kept,
        "hidden": hidden,
        "kept_event": file_event({"file_id": kept.file_id, "video_url": kept.url}),
        "vod_event": file_event({"file_id": HIDDEN_FILE_ID, "video_url": HIDDEN_URL}),
        "cos_event": file_event({"video_url": HIDDEN_COS_URL}),
        # Tencent's other spelling of the FileId field.
        "record_id_event": file_event({"record_file_id": HIDDEN_FILE_ID}),
    }


def test_the_queryset_rule(scene: dict[str, Any], operator: Any, moderator: Any, manager: Any) -> None:
    of_session = RecordingFile.objects.of_session(scene["session"].pk)
    assert list(of_session.visible_to(operator)) == [scene["kept"]]
    assert of_session.visible_to(moderator).count() == of_session.visible_to(manager).count() == 3
    assert list(CssCallbackEvent.objects.visible_to(operator)) == [scene["kept_event"]]
    assert CssCallbackEvent.objects.visible_to(manager).count() == 4


def test_recording_page_lists_hidden_files_only_for_moderators_and_managers(
    scene: dict[str, Any], client_as: Any, operator: Any, moderator: Any, manager: Any
) -> None:
    url = reverse("recordings:session_detail", args=[scene["session"].pk])
    hidden_link = reverse("recordings:file_detail", args=[scene["hidden"].pk])
    kept_link = reverse("recordings:file_detail", args=[scene["kept"].pk])

    html = client_as(operator).get(url).content.decode()
    assert kept_link in html and hidden_link not in html and "1234x567" not in html
    assert len(re.findall(r'href="/files/\d+/"', html)) == 1
    for user in (moderator, manager):
        html = client_as(user).get(url).content.decode()
        assert hidden_link in html and "1234x567" in html


def test_callback_log_withholds_the_events_of_hidden_files_from_operators(
    scene: dict[str, Any], client_as: Any, operator: Any, manager: Any
) -> None:
    operator_client, manager_client = client_as(operator), client_as(manager)
    list_url = reverse("recordings:callback_event_list")
    hidden_events = [scene[name] for name in ("vod_event", "cos_event", "record_id_event")]

    listing = operator_client.get(list_url).content.decode()
    assert reverse("recordings:callback_event_detail", args=[scene["kept_event"].pk]) in listing
    for event in hidden_events:
        detail = reverse("recordings:callback_event_detail", args=[event.pk])
        assert f'href="{detail}"' not in listing
        assert operator_client.get(detail).status_code == 404
        replay = reverse("recordings:callback_event_replay", args=[event.pk])
        assert operator_client.post(replay).status_code == 404
    kept_page = operator_client.get(
        reverse("recordings:callback_event_detail", args=[scene["kept_event"].pk])
    )
    assert kept_page.status_code == 200

    listing = manager_client.get(list_url).content.decode()
    for event in hidden_events:
        detail = reverse("recordings:callback_event_detail", args=[event.pk])
        assert f'href="{detail}"' in listing
        page = manager_client.get(detail).content.decode()
        assert HIDDEN_FILE_ID in page or "hidden-cos.mp4" in page


def test_files_search_and_api_hide_them_from_operators(
    scene: dict[str, Any], client_as: Any, api_token: Any, operator: Any, moderator: Any, manager: Any
) -> None:
    search = reverse("recordings:file_list") + "?review=rejected"
    hidden_link = reverse("recordings:file_detail", args=[scene["hidden"].pk])
    assert hidden_link not in client_as(operator).get(search).content.decode()
    assert (
        client_as(operator).get(reverse("recordings:file_delete", args=[scene["hidden"].pk])).status_code
        == 404
    )
    for user in (moderator, manager):
        assert hidden_link in client_as(user).get(search).content.decode()

    session = scene["session"].pk
    for user, count in ((operator, 1), (moderator, 3), (manager, 3)):
        api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")
        assert api.get(f"/api/v1/files?session={session}").json()["count"] == count
        assert len(api.get(f"/api/v1/recordings/{session}").json()["files"]) == count
        expected = 404 if count == 1 else 200
        assert api.get(f"/api/v1/files/{scene['hidden'].pk}").status_code == expected
