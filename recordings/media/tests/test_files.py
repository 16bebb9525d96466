"""The outputs browser, the file page, deletion, storage totals and the files API."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from dashboard.models import AuditEntry
from recordings.media.services import files as file_services
from recordings.media.tests.support import make_file, make_room, make_session
from recordings.models import FileFormat, RecordingFile, ReviewStatus
from recordings.payloads import files_payload
from tencent.errors import TencentError
from tencent.results import CallResult

pytestmark = pytest.mark.django_db


def test_every_role_sees_the_list_but_anonymous_is_sent_to_login(client_as: Any, role_user: Any) -> None:
    make_file(file_id="f1")
    for role in ("operator", "manager", "moderator"):
        assert client_as(role_user(role)).get("/files/").status_code == 200
    assert client_as(None).get("/files/").status_code == 302


def test_list_filters_by_room_app_format_duration_review_and_date(client_as: Any, operator: Any) -> None:
    room_a, room_b = make_room(name="Alpha"), make_room(name="Beta")
    now = timezone.now()
    wanted = make_file(room=room_a, file_id="wanted", duration_s=600, start=now - timedelta(days=1))
    make_file(room=room_b, file_id="other-room", duration_s=600, start=now - timedelta(days=1))
    make_file(room=room_a, file_id="too-short", duration_s=30, start=now - timedelta(days=1))
    make_file(room=room_a, file_id="hls", fmt=FileFormat.HLS, duration_s=600, start=now - timedelta(days=1))
    make_file(room=room_a, file_id="old", duration_s=600, start=now - timedelta(days=20))
    make_file(room=room_a, file_id="approved", duration_s=600, review_status=ReviewStatus.APPROVED)
    make_file(room=room_a, file_id="gone", duration_s=600, deleted_at=now)
    client = client_as(operator)
    since = (now - timedelta(days=3)).date().isoformat()

    response = client.get(
        "/files/",
        {
            "room": room_a.room_key,  # the room picker sends the room key
            "app": room_a.client_app_id,
            "format": "mp4",
            "min_minutes": "5",
            "review": "pending",
            "since": since,
        },
    )

    assert list(response.context["page"].object_list) == [wanted]
    by_app = client.get("/files/", {"app": room_b.client_app_id})
    assert [f.file_id for f in by_app.context["page"].object_list] == ["other-room"]


def test_list_sorts_and_swaps_only_the_results_for_htmx(client_as: Any, operator: Any) -> None:
    make_file(file_id="small", size_bytes=10)
    make_file(file_id="big", size_bytes=10_000)
    client = client_as(operator)

    largest = client.get("/files/", {"sort": "largest"})
    partial = client.get("/files/", {"sort": "largest"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    assert [f.file_id for f in largest.context["page"].object_list] == ["big", "small"]
    assert b"<form" not in partial.content and b"file-table" in partial.content


def test_list_page_query_count_does_not_grow_with_files(
    client_as: Any, operator: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        room = make_room()
        make_file(
            room=room, session=make_session(room, stream_name=f"s-{n}", start=timezone.now()), file_id=f"f{n}"
        )
    client = client_as(operator)
    client.get("/files/")  # warm the session / user caches

    with django_assert_max_num_queries(10):
        response = client.get("/files/")
    assert len(response.context["page"].object_list) == 25


def test_list_stays_fast_at_100000_files(client_as: Any, operator: Any) -> None:
    room = make_room()
    other = make_room()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO recordings_recordingfile
              (room_id, storage, file_id, cos_key, format, url, size_bytes, duration_s, content_start, content_end,
               codec, resolution, stream_name, app_name, task_id, source, review_status, discovered_at)
            SELECT CASE WHEN n %% 10 = 0 THEN %s ELSE %s END, 'vod', 'bulk-' || n, '', 'mp4', '', n, 60,
                   now() - n * interval '1 minute', now() - n * interval '1 minute' + interval '60 seconds',
                   'h264', '1280x720', 'bulk', 'live', '', 'sync', 'pending', now()
            FROM generate_series(1, 100000) AS n
            """,
            [room.pk, other.pk],
        )
        cursor.execute("ANALYZE recordings_recordingfile")
    client = client_as(operator)
    client.get("/files/")

    started = time.perf_counter()
    first = client.get("/files/")
    deep = client.get("/files/", {"room": room.room_key, "page": 300})
    elapsed = time.perf_counter() - started

    # The list counts up to 10,000 (more would cost more than the page): "Page 1 of 400+ · more than 10000".
    assert first.context["page"].paginator.capped and "more than 10000" in first.content.decode()
    assert deep.context["page"].number == 300
    assert {f.room_id for f in deep.context["page"].object_list} == {room.pk}
    assert elapsed < 4.0, f"two list pages took {elapsed:.2f}s"  # a loose bound; the plan below is the guard
    newest = RecordingFile.objects.listing().filter(room=room)[:25]
    plan = newest.explain()
    assert "recfile_room_start_idx" in plan, plan


def test_file_page_plays_a_vod_file_on_a_signed_url(client_as: Any, moderator: Any, settings: Any) -> None:
    settings.VOD_PLAY_KEY = "vodkey"
    recording = make_file(file_id="f1", url="https://1250.vod2.myqcloud.com/a/b/f1.mp4")

    response = client_as(moderator).get(f"/files/{recording.pk}/")

    assert response.status_code == 200
    signed = response.context["signed"]
    query = parse_qs(urlsplit(signed.url).query)
    assert set(query) == {"t", "sign"}
    assert int(query["t"][0], 16) > time.time() + 600
    assert b"data-file-player" in response.content
    assert b"Delete" not in response.content  # moderators review, they do not delete


def test_file_page_presigns_cos_files(client_as: Any, operator: Any) -> None:
    recording = make_file(cos_key="record/s1/f.mp4")

    response = client_as(operator).get(f"/files/{recording.pk}/")

    assert "record/s1/f.mp4" in response.context["signed"].url
    assert "q-signature" in response.context["signed"].url


def test_signed_url_endpoint_returns_a_fresh_url(client_as: Any, operator: Any) -> None:
    recording = make_file(file_id="f1")

    data = client_as(operator).get(f"/files/{recording.pk}/signed-url/").json()

    assert data["url"].startswith("https://vod.example.com/a/b/file.mp4?")
    assert 0 < data["refresh_in_s"] < 900


def test_operator_deletes_a_vod_file_after_confirming(
    client_as: Any, operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deleted: list[str] = []

    def delete_media(*, file_id: str) -> CallResult:
        deleted.append(file_id)
        return CallResult("r1")

    monkeypatch.setattr(file_services.vod, "delete_media", delete_media)
    recording = make_file(file_id="f1")
    client = client_as(operator)

    confirm = client.get(f"/files/{recording.pk}/delete/")
    response = client.post(f"/files/{recording.pk}/delete/")

    assert confirm.status_code == 200 and deleted == ["f1"]
    assert response.status_code == 302
    recording.refresh_from_db()
    assert recording.deleted_at is not None
    entry = AuditEntry.objects.get(action="file.delete")
    assert entry.actor == operator and entry.changes["key"] == "f1"
    assert recording not in RecordingFile.objects.listing()


def test_cos_delete_failure_keeps_the_file_and_says_why(
    client_as: Any, operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*, key: str) -> None:
        raise TencentError(code="AccessDenied", message="no permission", action="DeleteObject")

    monkeypatch.setattr(file_services.cos, "delete_object", refuse)
    recording = make_file(cos_key="record/s1/f.mp4")

    response = client_as(operator).post(f"/files/{recording.pk}/delete/", follow=True)

    recording.refresh_from_db()
    assert recording.deleted_at is None
    assert "no permission" in response.content.decode()
    assert not AuditEntry.objects.filter(action="file.delete").exists()


def test_file_already_gone_from_vod_is_still_marked_deleted(
    client_as: Any, operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(*, file_id: str) -> None:
        raise TencentError(code="ResourceNotFound.FileNotExist", message="gone", action="DeleteMedia")

    monkeypatch.setattr(file_services.vod, "delete_media", gone)
    recording = make_file(file_id="f1")

    client_as(operator).post(f"/files/{recording.pk}/delete/")

    recording.refresh_from_db()
    assert recording.deleted_at is not None


@pytest.mark.parametrize("role", ["moderator", "manager"])
def test_only_operators_delete(client_as: Any, role_user: Any, role: str) -> None:
    recording = make_file(file_id="f1")

    assert client_as(role_user(role)).post(f"/files/{recording.pk}/delete/").status_code == 403
    recording.refresh_from_db()
    assert recording.deleted_at is None


def test_storage_totals_per_room_and_app(client_as: Any, manager: Any) -> None:
    room_a, room_b = make_room(name="Alpha"), make_room(name="Beta")
    make_file(room=room_a, file_id="a1", size_bytes=100, duration_s=60)
    make_file(room=room_a, file_id="a2", size_bytes=50, duration_s=30)
    make_file(room=room_b, file_id="b1", size_bytes=10, duration_s=5)
    make_file(room=room_b, file_id="b2", size_bytes=999, deleted_at=timezone.now())

    response = client_as(manager).get("/files/storage/")

    rooms = {row["room__name"]: (row["files"], row["bytes"]) for row in response.context["page"].object_list}
    assert rooms == {"Alpha": (2, 150), "Beta": (1, 10)}
    apps = {row["room__client_app__name"]: row["bytes"] for row in response.context["apps"]}
    assert apps == {room_a.client_app.name: 150, room_b.client_app.name: 10}


# --- API ----------------------------------------------------------------------------------------------


def test_api_lists_files_by_room_session_and_since(client_as: Any, operator: Any, api_token: Any) -> None:
    room = make_room(room_key="biz-1")
    session = make_session(room, stream_name="biz-1-r1", start=timezone.now())
    mine = make_file(room=room, session=session, file_id="mine")
    make_file(room=make_room(), file_id="theirs")
    old = make_file(room=room, file_id="old")
    RecordingFile.objects.filter(pk=old.pk).update(discovered_at=datetime(2020, 1, 1, tzinfo=UTC))
    headers = {"Authorization": f"Bearer {api_token(operator)}"}
    client = Client()

    by_room = client.get("/api/v1/files", {"room": "biz-1"}, headers=headers).json()
    by_session = client.get("/api/v1/files", {"session": session.pk}, headers=headers).json()
    recent = client.get(
        "/api/v1/files", {"room": "biz-1", "since": "2024-01-01T00:00:00Z"}, headers=headers
    ).json()

    assert {r["file_id"] for r in by_room["results"]} == {"mine", "old"}
    assert [r["id"] for r in by_session["results"]] == [mine.pk]
    assert [r["id"] for r in recent["results"]] == [mine.pk]
    assert by_room["results"][0]["room_key"] == "biz-1"
    assert client.get("/api/v1/files", {"room": "nope"}, headers=headers).status_code == 404
    assert client.get("/api/v1/files", {"since": "yesterday"}, headers=headers).status_code == 400
    assert client.get("/api/v1/files").status_code == 401


def test_api_file_read_has_a_fresh_signed_url(client_as: Any, moderator: Any, api_token: Any) -> None:
    recording = make_file(file_id="f1")
    headers = {"Authorization": f"Bearer {api_token(moderator)}"}

    data = Client().get(f"/api/v1/files/{recording.pk}", headers=headers).json()

    assert data["id"] == recording.pk and data["format"] == "mp4"
    assert "sign=" in data["signed_url"] and data["signed_url_expires_at"]
    assert Client().get("/api/v1/files/999999", headers=headers).status_code == 404


def test_files_payload_lists_a_sessions_files_in_content_order(operator: Any) -> None:
    room = make_room()
    session = make_session(room, stream_name="s-r1", start=timezone.now())
    later = make_file(
        room=room, session=session, file_id="later", start=timezone.now() - timedelta(minutes=1)
    )
    earlier = make_file(
        room=room, session=session, file_id="earlier", start=timezone.now() - timedelta(minutes=9)
    )
    make_file(room=room, session=session, file_id="deleted", deleted_at=timezone.now())

    assert [f["id"] for f in files_payload(session, operator)] == [earlier.pk, later.pk]


def test_files_api_is_in_the_openapi_document(client_as: Any, operator: Any) -> None:
    paths = client_as(operator).get("/api/v1/openapi.json").json()["paths"]

    assert "get" in paths["/api/v1/files"] and "get" in paths["/api/v1/files/{id}"]


def test_session_page_lists_its_files_anomalies_and_record_status(client_as: Any, moderator: Any) -> None:
    from django.urls import reverse

    from recordings.models import CssCallbackEvent, PushAnomaly, RecordStatusChange

    room = make_room()
    session = make_session(room, stream_name="s-r9", start=timezone.now())
    recording = make_file(room=room, session=session, file_id="f1", resolution="1280x720")
    make_file(room=room, file_id="not-this-session")
    event = CssCallbackEvent.objects.create(dedupe_key="k1", raw_body="{}")
    PushAnomaly.objects.create(
        event=event, stream_name="s-r9", session=session, occurred_at=timezone.now(), anomaly_type=8
    )
    RecordStatusChange.objects.create(
        event=event, stream_name="s-r9", session=session, record_event="record_error", at=timezone.now()
    )

    html = client_as(moderator).get(reverse("recordings:session_detail", args=[session.pk])).content.decode()

    assert f'href="/files/{recording.pk}/"' in html and "1280x720" in html
    assert "/files/" + str(RecordingFile.objects.get(file_id="not-this-session").pk) + "/" not in html
    assert "Video codec changed" in html and "Recording error" in html
    assert f'href="/live/sessions/{session.pk}/"' in html


def test_admin_lists_recording_files(client_as: Any) -> None:
    from conftest import make_user

    admin_user = make_user("root", is_superuser=True, is_staff=True)
    make_file(file_id="f1")

    for model in ("recordingfile", "csscallbackevent", "streampush", "pushanomaly"):
        assert client_as(admin_user).get(f"/admin/recordings/{model}/").status_code == 200
