"""GET/PUT /api/v1/apps/{id}/retention and /rooms/{room_key}/retention, POST/DELETE /api/v1/files/{id}/hold."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media
from lifecycle.models import LegalHold
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from tencent import vod

pytestmark = pytest.mark.django_db


def api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def put(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.put(path, json.dumps(body), content_type="application/json")


def test_policies_of_apps_and_rooms(api_token: Callable[[User], str], manager: User, moderator: User) -> None:
    room = RoomFactory.create(room_key="live-1")
    app_path = f"/api/v1/apps/{room.client_app_id}/retention"
    managing, viewing = api(api_token(manager)), api(api_token(moderator))

    assert viewing.get(app_path).json()["source"] == "none"
    assert put(viewing, app_path, {"keep_days": 30}).status_code == 403
    answer = put(managing, app_path, {"keep_days": 365, "standard_ia_after_days": 30})
    assert answer.status_code == 200 and answer.json()["keep_days"] == 365
    assert viewing.get("/api/v1/rooms/live-1/retention").json() == {
        "source": "client_app",
        "keep_days": 365,
        "rejected_keep_days": None,
        "standard_ia_after_days": 30,
        "archive_after_days": None,
        "deep_archive_after_days": None,
    }
    assert put(managing, "/api/v1/rooms/live-1/retention", {"keep_days": None}).json()["source"] == "room"
    assert viewing.get("/api/v1/rooms/live-1/retention").json()["keep_days"] is None

    refused = put(managing, app_path, {"keep_days": 10, "standard_ia_after_days": 20})
    assert refused.status_code == 400 and "standard_ia_after_days" in refused.json()["error"]["fields"]
    assert put(managing, app_path, {"keep_days": -1}).status_code == 400
    assert put(managing, app_path, {"keep": 1}).status_code == 400
    assert viewing.get("/api/v1/apps/999999/retention").status_code == 404
    assert viewing.get("/api/v1/rooms/nope/retention").status_code == 404


@pytest.mark.emulator
def test_holds_on_a_file(
    emulator: RunningEmulator, api_token: Callable[[User], str], moderator: User, operator: User
) -> None:
    room = RoomFactory.create()
    media = add_media(emulator, stream=room.stream_name, created=time.time())
    recording = make_file(room=room, file_id=media.file_id)
    path = f"/api/v1/files/{recording.pk}/hold"
    holding = api(api_token(moderator))

    assert (
        api(api_token(operator)).post(path, {"reason": "x"}, content_type="application/json").status_code
        == 403
    )
    assert holding.post(path, {"reason": " "}, content_type="application/json").status_code == 400
    assert (
        holding.post(
            path, {"reason": "x", "until": "2001-01-01T00:00:00Z"}, content_type="application/json"
        ).status_code
        == 400
    )
    placed = holding.post(path, {"reason": "Dispute #1204"}, content_type="application/json")
    assert placed.status_code == 201 and placed.json()["placed_by"] == moderator.get_username()
    assert LegalHold.objects.active().filter(file=recording).count() == 1
    assert vod.describe_media_infos(file_ids=[media.file_id])[0].expire_time is None

    assert holding.delete(path).json() == {"lifted": 1}
    assert holding.delete(path).status_code == 404
    assert (
        holding.post(
            "/api/v1/files/999999/hold", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


@pytest.mark.emulator
def test_a_held_file_cannot_be_deleted_through_the_api(
    emulator: RunningEmulator, api_token: Callable[[User], str], moderator: User, operator: User
) -> None:
    room = RoomFactory.create()
    media = add_media(emulator, stream=room.stream_name, created=time.time())
    recording = make_file(room=room, file_id=media.file_id)
    holding, operating = api(api_token(moderator)), api(api_token(operator))
    holding.post(
        f"/api/v1/files/{recording.pk}/hold", {"reason": "Dispute #7"}, content_type="application/json"
    )

    refused = operating.delete(f"/api/v1/files/{recording.pk}")
    assert refused.status_code == 409 and "Dispute #7" in refused.json()["error"]["message"]
    assert media.file_id in emulator.state.media
    holding.delete(f"/api/v1/files/{recording.pk}/hold")
    assert operating.delete(f"/api/v1/files/{recording.pk}").json() == {"deleted": recording.pk}
    assert media.file_id not in emulator.state.media
    assert operating.delete(f"/api/v1/files/{recording.pk}").status_code == 404
