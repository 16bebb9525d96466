"""Chinese room names, tags and notes are found by substring search on PostgreSQL and on the demo's SQLite
(issue #18).

Both backends match CJK text by `icontains` as plain substrings: Chinese has no letter case, so SQLite's LIKE (whose
case folding is ASCII-only) and PostgreSQL's UPPER() … LIKE agree. Tags are stored lowercased and NFC-normalised
(`normalize_tag`), which leaves Chinese unchanged, and are matched as whole comma-separated items.
The PostgreSQL leg goes through the rooms page, the rooms API, the room picker and the apps page; the SQLite leg runs
the same QuerySets in a subprocess configured like `make demo` (no DATABASE_URL), on only the tables it needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory

BASE_DIR = Path(__file__).resolve().parents[3]
NOTES = "主播的弹幕特效 横屏直播间使用"


@pytest.fixture
def rooms(db: None) -> None:
    show = ClientAppFactory.create(name="弹幕特效", notes=NOTES)
    other = ClientAppFactory.create(name="Quiz", notes="Plain English notes.")
    RoomFactory.create(name="直播间一号", room_key="live-1", client_app=show, tags="体育,vip")
    RoomFactory.create(name="直播间二号", room_key="live-2", client_app=show, tags="娱乐")
    RoomFactory.create(name="Studio", room_key="studio", client_app=other, tags="体育用品")


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"q": "直播间一号"}, ["live-1"]),
        ({"q": "直播间"}, ["live-1", "live-2"]),
        ({"q": "一号"}, ["live-1"]),
        ({"q": "三号"}, []),
        # A tag is a whole item: 体育 is not 体育用品.
        ({"tag": "体育"}, ["live-1"]),
        ({"tag": " 体育 "}, ["live-1"]),
        ({"tag": "体育用品"}, ["studio"]),
        ({"q": "直播间", "tag": "娱乐"}, ["live-2"]),
    ],
)
def test_rooms_page_and_api_find_chinese_names_and_tags(
    rooms: None,
    operator: User,
    client_as: Callable[[User], Client],
    api_token: Callable[[User], str],
    params: dict[str, str],
    keys: list[str],
) -> None:
    page = client_as(operator).get("/rooms/", params)
    assert page.status_code == 200
    assert sorted(room.room_key for room in page.context["page"].object_list) == keys
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}").get("/api/v1/rooms", params)
    assert api.status_code == 200
    assert sorted(room["room_key"] for room in api.json()["results"]) == keys


def test_room_picker_suggests_rooms_by_part_of_a_chinese_name(
    rooms: None, operator: User, client_as: Callable[[User], Client]
) -> None:
    response = client_as(operator).get("/rooms/search/", {"q": "间二"})
    assert response.status_code == 200
    assert response.json()["results"] == [{"room_key": "live-2", "name": "直播间二号", "app": "弹幕特效"}]


def test_apps_page_finds_an_app_by_its_chinese_notes_and_name(
    rooms: None, operator: User, client_as: Callable[[User], Client]
) -> None:
    for text in ("横屏直播间", "弹幕"):
        page = client_as(operator).get("/apps/", {"q": text})
        assert page.status_code == 200
        assert [app.name for app in page.context["page"].object_list] == ["弹幕特效"]


SQLITE_SCRIPT = """
import json
import django
django.setup()
from django.conf import settings
from django.db import connection
from recordings.models import ClientApp, Room

assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), "not the demo's SQLite"
with connection.schema_editor() as editor:  # only the tables this needs: a full migrate takes long
    editor.create_model(ClientApp)
    editor.create_model(Room)
show = ClientApp.objects.create(name="弹幕特效", kind="APK", car_project_id="cap-1", notes=NOTES)
other = ClientApp.objects.create(name="Quiz", kind="APK", car_project_id="cap-2", notes="Plain English notes.")
Room.objects.create(name="直播间一号", room_key="live-1", stream_name="s1", client_app=show, tags="体育,vip")
Room.objects.create(name="直播间二号", room_key="live-2", stream_name="s2", client_app=show, tags="娱乐")
Room.objects.create(name="Studio", room_key="studio", stream_name="s3", client_app=other, tags="体育用品")

def keys(rooms):
    return sorted(rooms.values_list("room_key", flat=True))

print(json.dumps({
    "name": keys(Room.objects.filtered(q="直播间一号")),
    "part": keys(Room.objects.filtered(q="直播间")),
    "tail": keys(Room.objects.filtered(q="一号")),
    "tag": keys(Room.objects.filtered(tag="体育")),
    "other_tag": keys(Room.objects.filtered(tag="体育用品")),
    "ascii_case": keys(Room.objects.filtered(q="STUDIO")),
    "notes": list(ClientApp.objects.filtered(q="横屏直播间").values_list("name", flat=True)),
}, ensure_ascii=False))
"""


def test_on_the_demos_sqlite_chinese_names_tags_and_notes_are_found(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(CNR_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="dashboard.settings", LOG_LEVEL="WARNING")
    done = subprocess.run(
        [sys.executable, "-c", f"NOTES = {NOTES!r}\n" + SQLITE_SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "name": ["live-1"],
        "part": ["live-1", "live-2"],
        "tail": ["live-1"],
        "tag": ["live-1"],
        "other_tag": ["studio"],
        "ascii_case": ["studio"],
        "notes": ["弹幕特效"],
    }
