"""List and overview pages at a bounded number of queries (issue #15: at most 12 on every page, whatever the data),
pagination of the schedules, and the storage totals' cache following the files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from recordings.media.tests.support import make_file, make_room, make_session
from recordings.models import RecordingFile, ReviewStatus, Schedule

pytestmark = pytest.mark.django_db
PAGE_QUERY_LIMIT = 12


@pytest.fixture
def data() -> dict[str, Any]:
    """A few of everything the pages show; the counts below do not grow with it (no query per row)."""
    now = timezone.now()
    rooms = [make_room(name=f"Room {n}", tags="sports,vip" if n % 2 else "music") for n in range(4)]
    for n, room in enumerate(rooms):
        session = make_session(
            room, stream_name=f"{room.stream_name}-r{n}", start=now - timedelta(hours=n + 2)
        )
        for m in range(3):
            make_file(
                room=room,
                session=session,
                file_id=f"f{n}-{m}",
                start=now - timedelta(hours=n + 1, minutes=m),
                review_status=ReviewStatus.PENDING if m else ReviewStatus.APPROVED,
            )
        Schedule.objects.create(
            room=room,
            name=f"Evenings {n}",
            kind="weekly",
            weekdays="0,2,4",
            start_time="20:00",
            duration_minutes=60,
        )
    return {"rooms": rooms}


PAGES = [
    ("operator", "/"),
    ("manager", "/"),
    ("moderator", "/"),
    ("operator", "/recordings/"),
    ("operator", "/recordings/?state=recording&room=Room"),
    ("operator", "/schedules/"),
    ("operator", "/files/"),
    ("operator", "/files/?format=mp4&sort=largest"),
    ("moderator", "/files/"),
    ("operator", "/files/storage/"),
    ("operator", "/rooms/"),
    ("operator", "/rooms/?tag=Sports"),
    ("operator", "/apps/"),
    ("moderator", "/review/"),
    ("moderator", "/review/?tag=SPORTS&claim=unclaimed"),
    ("manager", "/review/"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_page_stays_within_the_query_budget(
    data: dict[str, Any],
    role: str,
    path: str,
    role_user: Any,
    client_as: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client: Client = client_as(role_user(role))
    client.get(path)  # once: the overview's cached figures are then read as most views read them
    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        response = client.get(path)
    assert response.status_code == 200


def test_filtered_pages_key_the_room_picker_by_room_key(
    data: dict[str, Any], client_as: Any, operator: User
) -> None:
    room = data["rooms"][1]
    response = client_as(operator).get("/files/", {"room": room.room_key})
    assert response.status_code == 200
    assert {f.room_id for f in response.context["page"].object_list} == {room.pk}
    unknown = client_as(operator).get("/files/", {"room": "no-such-room"})
    assert unknown.status_code == 400 and "No room has this key" in unknown.content.decode()


def test_schedules_are_paginated(client_as: Any, operator: User) -> None:
    room = make_room(name="Busy")
    for n in range(30):
        Schedule.objects.create(
            room=room,
            name=f"Slot {n:02d}",
            kind="weekly",
            weekdays="1",
            start_time="08:00",
            duration_minutes=30,
        )
    client = client_as(operator)

    first, second = client.get("/schedules/"), client.get("/schedules/", {"page": 2})

    assert [row["schedule"].name for row in first.context["rows"]] == [f"Slot {n:02d}" for n in range(25)]
    assert [row["schedule"].name for row in second.context["rows"]] == [
        f"Slot {n:02d}" for n in range(25, 30)
    ]
    assert "Page 1 of 2" in first.content.decode()
    partial = client.get("/schedules/", {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert b"Slot 29" in partial.content and b"<html" not in partial.content


def storage_rows(client: Client) -> dict[str | None, tuple[int, int]]:
    response = client.get("/files/storage/")
    return {row["room__name"]: (row["files"], row["bytes"]) for row in response.context["page"].object_list}


def test_storage_totals_follow_new_changed_and_deleted_files(
    client_as: Any, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    room = make_room(name="Kept")
    first = make_file(room=room, file_id="k1", size_bytes=100)
    client = client_as(manager)
    assert storage_rows(client) == {"Kept": (1, 100)}

    make_file(room=room, file_id="k2", size_bytes=50)  # a new file
    assert storage_rows(client) == {"Kept": (2, 150)}

    with django_capture_on_commit_callbacks(execute=True):
        first.size_bytes = 300  # a file the callback completes later (save())
        first.save()
    assert storage_rows(client) == {"Kept": (2, 350)}

    RecordingFile.objects.filter(pk=first.pk).update(
        deleted_at=timezone.now()
    )  # no signal: the key still moves
    assert storage_rows(client) == {"Kept": (1, 50)}

    room.name = "Renamed"
    room.save()
    assert storage_rows(client) == {"Renamed": (1, 50)}  # names are read fresh, the sums cached


def test_storage_totals_do_not_sum_the_files_again_while_nothing_changed(
    client_as: Any, manager: User, django_assert_max_num_queries: Any
) -> None:
    make_file(room=make_room(name="Kept"), file_id="k1", size_bytes=100)
    client = client_as(manager)
    client.get("/files/storage/")
    with django_assert_max_num_queries(PAGE_QUERY_LIMIT) as captured:
        client.get("/files/storage/")
    assert not any("SUM(" in query["sql"].upper() for query in captured.captured_queries)
