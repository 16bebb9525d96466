"""POST /callbacks/css/: signature and expiry checks, raw storage, idempotency, ordering, and each event type."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
from django.db import transaction
from django.test import Client

from dashboard.models import AuditEntry
from recordings.media.services import callback_handlers, callbacks
from recordings.media.tests.support import (
    ANOMALY_EXAMPLE,
    CALLBACK_KEY,
    CALLBACK_URL,
    FILE_EXAMPLE,
    PUSH_START_EXAMPLE,
    RECORD_STATUS_EXAMPLE,
    SCREENSHOT_EXAMPLE,
    at,
    make_room,
    make_session,
    post_callback,
    sign,
)
from recordings.models import (
    CallbackState,
    CssCallbackEvent,
    FileFormat,
    PushAnomaly,
    RecordingFile,
    RecordStatusChange,
    StorageKind,
    StreamPush,
    StreamScreenshot,
)

HOOKS = (
    "session_stream_live",
    "session_stream_ended",
    "session_file_arrived",
    "room_push_started",
    "room_push_ended",
)
PUSH_END = {
    **PUSH_START_EXAMPLE,
    "event_type": 0,
    "event_time": 1545115890,
    "push_duration": 100_000,
    "errmsg": "push ended",
}


@pytest.fixture(autouse=True)
def callback_key(settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY


@pytest.fixture
def hook_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Calls the callbacks make into the orchestration hooks, in order."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for name in HOOKS:
        monkeypatch.setattr(
            callback_handlers.session_hooks, name, lambda _name=name, **kwargs: calls.append((_name, kwargs))
        )
    return calls


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


# --- authentication and malformed bodies ------------------------------------------------------------


@pytest.mark.django_db
def test_documented_push_start_is_stored_raw_and_applied(client: Client, hook_calls: list[Any]) -> None:
    room = make_room(stream_name="test_stream")

    response = post_callback(client, PUSH_START_EXAMPLE)

    assert response.status_code == 200
    event = CssCallbackEvent.objects.get()
    assert json.loads(event.raw_body)["sequence"] == "6674468118806626493"
    assert event.event_type == 1 and event.state == CallbackState.PROCESSED
    assert event.stream_name == "test_stream" and event.event_at == at(1545115790)
    push = StreamPush.objects.get()
    assert push.is_live and push.room == room and push.started_at == at(1545115790)
    assert push.user_ip == "119.29.94.245"
    assert hook_calls == [
        ("room_push_started", {"room_id": room.pk, "stream_name": "test_stream", "at": at(1545115790)})
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        sign(PUSH_START_EXAMPLE, key="someone-elses-key"),
        {**sign(PUSH_START_EXAMPLE), "sign": "0" * 32},
        {k: v for k, v in sign(PUSH_START_EXAMPLE).items() if k != "sign"},
        {k: v for k, v in sign(PUSH_START_EXAMPLE).items() if k != "t"},
        sign(PUSH_START_EXAMPLE, t=1545030873),  # the documented t: long expired
        {**sign(PUSH_START_EXAMPLE), "t": "soon"},
    ],
    ids=["wrong-key", "forged-sign", "no-sign", "no-t", "expired-t", "t-not-a-number"],
)
def test_forged_or_expired_signatures_are_refused_and_nothing_is_stored(
    client: Client, hook_calls: list[Any], body: dict[str, Any]
) -> None:
    make_room(stream_name="test_stream")

    response = client.post(CALLBACK_URL, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 403
    assert not CssCallbackEvent.objects.exists()
    assert not StreamPush.objects.exists()
    assert hook_calls == []


@pytest.mark.django_db
def test_a_sign_made_for_another_t_is_refused(client: Client) -> None:
    body = sign(PUSH_START_EXAMPLE)
    body["t"] += 60  # a valid sign of the old t does not cover a later expiry

    response = client.post(CALLBACK_URL, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 403
    assert not CssCallbackEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b"\xff\xfe", b'"text"'])
def test_malformed_bodies_get_400(client: Client, raw: bytes) -> None:
    response = client.post(CALLBACK_URL, data=raw, content_type="application/json")

    assert response.status_code == 400
    assert not CssCallbackEvent.objects.exists()


@pytest.mark.django_db
def test_only_post_is_accepted(client: Client) -> None:
    assert client.get(CALLBACK_URL).status_code == 405


# --- idempotency and ordering ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_retries_with_a_new_t_and_sign_change_nothing_twice(client: Client, hook_calls: list[Any]) -> None:
    make_room(stream_name="test_stream")
    assert post_callback(client, PUSH_START_EXAMPLE).status_code == 200
    # Tencent's retries carry a fresh t and sign (within its 10-minute validity); everything else is the same.
    retry = post_callback(client, PUSH_START_EXAMPLE, t=int(time.time()) + 590)
    retry_again = post_callback(client, PUSH_START_EXAMPLE)

    assert retry.status_code == retry_again.status_code == 200
    assert retry.json()["duplicate"] and retry_again.json()["duplicate"]
    event = CssCallbackEvent.objects.get()
    assert event.duplicates == 2
    assert StreamPush.objects.count() == 1
    assert [name for name, _ in hook_calls] == ["room_push_started"]


@pytest.mark.django_db
def test_end_arriving_before_start_leaves_the_push_ended(client: Client, hook_calls: list[Any]) -> None:
    room = make_room(stream_name="test_stream")

    post_callback(client, PUSH_END)
    post_callback(client, PUSH_START_EXAMPLE)
    post_callback(client, PUSH_END)  # and a retry of the end, for good measure

    push = StreamPush.objects.get()
    assert not push.is_live
    assert push.started_at == at(1545115790) and push.ended_at == at(1545115890)
    assert push.end_reason == "push ended"
    assert StreamPush.objects.live().count() == 0
    assert hook_calls == [
        ("room_push_ended", {"room_id": room.pk, "stream_name": "test_stream", "at": at(1545115890)})
    ]


@pytest.mark.django_db
def test_a_late_end_of_an_older_push_does_not_end_the_newer_push(
    client: Client, hook_calls: list[Any]
) -> None:
    make_room(stream_name="test_stream")
    newer_start = {**PUSH_START_EXAMPLE, "sequence": "2", "event_time": 1545116000}

    post_callback(client, PUSH_START_EXAMPLE)  # push 1 starts
    post_callback(client, newer_start)  # push 2 starts; push 1's end was lost so far
    post_callback(client, PUSH_END)  # push 1's end arrives late

    live = StreamPush.objects.live().get()
    assert live.sequence == "2"
    assert [name for name, _ in hook_calls] == ["room_push_started", "room_push_started"]


@pytest.mark.django_db
def test_a_late_start_of_an_older_push_does_not_make_it_live(client: Client, hook_calls: list[Any]) -> None:
    make_room(stream_name="test_stream")
    newer_start = {**PUSH_START_EXAMPLE, "sequence": "2", "event_time": 1545116000}

    post_callback(client, newer_start)
    post_callback(client, PUSH_START_EXAMPLE)  # an older push's start, delivered after a retry

    assert list(StreamPush.objects.live().values_list("sequence", flat=True)) == ["2"]
    assert len(hook_calls) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_store_one_event(live_server: Any, hook_calls: list[Any]) -> None:
    import urllib.request

    make_room(stream_name="test_stream")
    body = json.dumps(sign(FILE_EXAMPLE)).encode()
    statuses: list[int] = []

    def deliver() -> None:
        request = urllib.request.Request(
            live_server.url + CALLBACK_URL, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            statuses.append(response.status)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 8
    assert CssCallbackEvent.objects.count() == 1
    assert CssCallbackEvent.objects.get().duplicates == 7
    assert RecordingFile.objects.count() == 1


# --- recording files (100) -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_documented_file_event_creates_a_linked_recording_file(client: Client, hook_calls: list[Any]) -> None:
    room = make_room(stream_name="room_stream")
    start = at(1642089000)
    session = make_session(room, stream_name="other-stream-r1", start=start, task_id=FILE_EXAMPLE["task_id"])
    make_session(make_room(), stream_name="stream_test-r2", start=start)  # this stream's session...

    response = post_callback(client, {**FILE_EXAMPLE, "stream_id": "stream_test-r2"})  # ...but the task wins

    assert response.status_code == 200
    recording = RecordingFile.objects.get()
    assert recording.storage == StorageKind.VOD and recording.file_id == "1234567890"
    assert recording.format == FileFormat.HLS
    assert recording.url == FILE_EXAMPLE["video_url"]
    assert recording.size_bytes == 277941079 and recording.duration_s == 154
    assert recording.content_end == at(1642089598.618577)
    assert recording.content_start == at(1642089598.618577 - 154)  # end - duration, not start_time
    assert recording.codec == "h264" and recording.resolution == "640x480"
    assert recording.session == session and recording.room == room
    assert hook_calls == [("session_file_arrived", {"session_id": session.pk})]


@pytest.mark.django_db
def test_file_without_task_links_by_stream_and_time(client: Client, hook_calls: list[Any]) -> None:
    room = make_room(stream_name="stream_test_room")
    session = make_session(room, stream_name="stream_test-r1", start=at(1642089000))
    payload = {k: v for k, v in FILE_EXAMPLE.items() if k != "task_id"} | {"stream_id": "stream_test-r1"}

    post_callback(client, payload)

    recording = RecordingFile.objects.get()
    assert recording.session == session and recording.room == room
    assert recording.task_id == ""


@pytest.mark.django_db
def test_file_of_an_unknown_stream_is_kept_unlinked(client: Client, hook_calls: list[Any]) -> None:
    post_callback(client, FILE_EXAMPLE)

    recording = RecordingFile.objects.get()
    assert recording.session is None and recording.room is None
    assert hook_calls == []


@pytest.mark.django_db
def test_duplicate_file_events_make_one_file(client: Client, hook_calls: list[Any]) -> None:
    session = make_session(make_room(), stream_name="stream_test-r1", start=at(1642089000))

    for _ in range(3):
        assert post_callback(client, {**FILE_EXAMPLE, "stream_id": "stream_test-r1"}).status_code == 200

    assert RecordingFile.objects.count() == 1
    assert hook_calls == [("session_file_arrived", {"session_id": session.pk})]


@pytest.mark.django_db
def test_cos_file_event_is_stored_by_object_key(client: Client, settings: Any, hook_calls: list[Any]) -> None:
    settings.COS_BUCKET = "cnr-recordings-1250000000"
    payload = {
        **FILE_EXAMPLE,
        "file_id": "",
        "record_file_id": "",
        "file_format": "mp4",
        "video_url": "https://cnr-recordings-1250000000.cos.ap-singapore.myqcloud.com/record/stream_test/a%20b.mp4",
    }

    post_callback(client, payload)
    post_callback(client, payload)

    recording = RecordingFile.objects.get()
    assert recording.storage == StorageKind.COS
    assert recording.cos_key == "record/stream_test/a b.mp4" and recording.file_id == ""
    assert recording.format == FileFormat.MP4


@pytest.mark.django_db
def test_file_found_by_the_sync_first_is_completed_by_its_callback(
    client: Client, hook_calls: list[Any]
) -> None:
    from recordings.media.tests.support import make_file

    synced = make_file(file_id="1234567890", fmt=FileFormat.HLS, url=FILE_EXAMPLE["video_url"], source="sync")

    post_callback(client, FILE_EXAMPLE)

    synced.refresh_from_db()
    assert RecordingFile.objects.count() == 1
    assert synced.codec == "h264" and synced.task_id == FILE_EXAMPLE["task_id"]


# --- screenshots, anomalies, record status, unknown types ---------------------------------------------


@pytest.mark.django_db
def test_screenshot_event_keeps_one_thumbnail(client: Client, hook_calls: list[Any]) -> None:
    room = make_room(stream_name="test_stream")

    post_callback(client, SCREENSHOT_EXAMPLE)
    post_callback(client, SCREENSHOT_EXAMPLE)

    shot = StreamScreenshot.objects.get()
    assert shot.room == room and shot.taken_at == at(1545115790)
    assert shot.pic_full_url == SCREENSHOT_EXAMPLE["pic_full_url"]
    assert (shot.width, shot.height, shot.size_bytes) == (640, 360, 7766)


@pytest.mark.django_db
def test_push_anomalies_are_stored_per_type_on_the_session(client: Client, hook_calls: list[Any]) -> None:
    session = make_session(make_room(), stream_name="test_stream-r1", start=at(1545115000))
    anomaly = {**ANOMALY_EXAMPLE, "stream_id": "test_stream-r1"}

    post_callback(client, anomaly)
    post_callback(client, anomaly)

    anomalies = list(PushAnomaly.objects.order_by("anomaly_type"))
    assert [(a.anomaly_type, a.count) for a in anomalies] == [(3, 2), (6, 1)]
    assert anomalies[0].occurred_at == at(1545115788)
    assert all(a.session == session for a in anomalies)
    assert anomalies[0].label == "Video timestamp jumped > 1 s"


@pytest.mark.django_db
def test_record_status_event_is_linked_by_task(client: Client, hook_calls: list[Any]) -> None:
    session = make_session(make_room(), stream_name="elsewhere", start=at(1545115000), task_id="task-332")

    post_callback(client, RECORD_STATUS_EXAMPLE)

    change = RecordStatusChange.objects.get()
    assert change.session == session and change.record_event == "record_start_succeeded"
    assert change.label == "Recording started" and change.detail == {"file_format": 3}


@pytest.mark.django_db
def test_unknown_event_types_are_stored_and_listed(client: Client, client_as: Any, operator: Any) -> None:
    payload = {"event_type": 999, "stream_id": "mystery", "note": "new in 2027"}

    assert post_callback(client, payload).status_code == 200
    assert post_callback(client, payload).json()["duplicate"]

    event = CssCallbackEvent.objects.get()
    assert event.state == CallbackState.UNKNOWN
    page = client_as(operator).get("/callbacks/events/", {"unknown": "on"})
    assert page.status_code == 200
    assert "Unknown type 999" in page.content.decode() and "mystery" in page.content.decode()


@pytest.mark.django_db
def test_an_event_that_cannot_be_applied_is_kept_as_failed_and_can_be_replayed(
    client: Client, client_as: Any, operator: Any, hook_calls: list[Any]
) -> None:
    broken = {k: v for k, v in SCREENSHOT_EXAMPLE.items() if k not in ("pic_url", "pic_full_url")}

    assert post_callback(client, broken).status_code == 200  # CSS retrying would not help

    event = CssCallbackEvent.objects.get()
    assert event.state == CallbackState.FAILED and "pic_full_url" in event.error
    response = client_as(operator).post(f"/callbacks/events/{event.pk}/replay/")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="callback.replay", object_id=str(event.pk)).exists()


@pytest.mark.django_db
def test_moderators_cannot_replay_events(client: Client, client_as: Any, moderator: Any) -> None:
    post_callback(client, {"event_type": 999})
    event = CssCallbackEvent.objects.get()

    assert client_as(moderator).post(f"/callbacks/events/{event.pk}/replay/").status_code == 403


def test_dedupe_keys_ignore_t_and_sign_but_not_the_event() -> None:
    one = callbacks.dedupe_key(sign(PUSH_START_EXAMPLE, t=1))
    assert one == callbacks.dedupe_key(sign(PUSH_START_EXAMPLE, t=2))
    assert one != callbacks.dedupe_key(sign({**PUSH_START_EXAMPLE, "event_type": 0}, t=1))
    assert one != callbacks.dedupe_key(sign({**PUSH_START_EXAMPLE, "sequence": "other"}, t=1))
    status = callbacks.dedupe_key(RECORD_STATUS_EXAMPLE)
    assert status != callbacks.dedupe_key({**RECORD_STATUS_EXAMPLE, "record_event": "record_ended"})


@pytest.mark.django_db
def test_push_end_without_a_start_derives_the_start_from_push_duration(
    client: Client, hook_calls: list[Any]
) -> None:
    post_callback(client, PUSH_END)

    push = StreamPush.objects.get()
    assert push.started_at == at(1545115890) - timedelta(milliseconds=100_000)


@pytest.mark.django_db
def test_a_sessions_push_calls_the_session_hooks_and_not_the_room_hooks(
    client: Client, hook_calls: list[Any]
) -> None:
    room = make_room(stream_name="stage")
    session = make_session(room, stream_name="stage-r7", start=at(1545115000))

    post_callback(client, {**PUSH_START_EXAMPLE, "stream_id": "stage-r7"})
    post_callback(client, {**PUSH_END, "stream_id": "stage-r7"})

    push = StreamPush.objects.get()
    assert push.session == session and push.room == room
    assert hook_calls == [
        ("session_stream_live", {"session_id": session.pk, "at": at(1545115790)}),
        ("session_stream_ended", {"session_id": session.pk, "at": at(1545115890)}),
    ]


# Three pushes of one stream: the first two start and end, the last is still live.
PUSH_EVENTS = [
    {"event_type": 1, "stream_id": "prop", "sequence": "a", "event_time": 1000},
    {"event_type": 0, "stream_id": "prop", "sequence": "a", "event_time": 1100, "push_duration": 100_000},
    {"event_type": 1, "stream_id": "prop", "sequence": "b", "event_time": 1200},
    {"event_type": 0, "stream_id": "prop", "sequence": "b", "event_time": 1300, "push_duration": 100_000},
    {"event_type": 1, "stream_id": "prop", "sequence": "c", "event_time": 1400},
]
EXPECTED_PUSHES = [("a", 1000, 1100), ("b", 1200, 1300), ("c", 1400, None)]


@pytest.mark.django_db
@hypothesis.settings(
    max_examples=20, deadline=None, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)
@hypothesis.given(
    order=st.permutations(range(len(PUSH_EVENTS))),
    retries=st.lists(st.integers(0, len(PUSH_EVENTS) - 1), max_size=5),
    retry_positions=st.randoms(use_true_random=False),
)
def test_any_delivery_order_with_retries_ends_in_the_same_pushes(
    hook_calls: list[Any], order: list[int], retries: list[int], retry_positions: Any
) -> None:
    deliveries = list(order)
    for index in retries:  # a retry can only come after the first delivery of its event
        first = deliveries.index(index)
        deliveries.insert(retry_positions.randint(first + 1, len(deliveries)), index)

    with transaction.atomic():
        rollback_to = transaction.savepoint()
        for index in deliveries:
            callbacks.css_callback_receive(payload=sign(PUSH_EVENTS[index]), raw_body="{}")
        pushes = [
            (
                p.sequence,
                p.started_at.timestamp() if p.started_at else None,
                p.ended_at and p.ended_at.timestamp(),
            )
            for p in StreamPush.objects.order_by("sequence")
        ]
        live = list(StreamPush.objects.live().values_list("sequence", flat=True))
        events, duplicates = (
            CssCallbackEvent.objects.count(),
            sum(CssCallbackEvent.objects.values_list("duplicates", flat=True)),
        )
        transaction.savepoint_rollback(rollback_to)

    assert pushes == EXPECTED_PUSHES
    assert live == ["c"]
    assert (events, duplicates) == (len(PUSH_EVENTS), len(retries))


@pytest.mark.django_db
def test_a_late_end_corrects_a_push_the_reconciliation_closed(client: Client, hook_calls: list[Any]) -> None:
    room = make_room(stream_name="test_stream")
    post_callback(client, PUSH_START_EXAMPLE)
    StreamPush.objects.update(ended_at=at(1545116500), end_reason=callbacks.NOT_ONLINE)

    post_callback(client, PUSH_END)

    push = StreamPush.objects.get()
    assert push.ended_at == at(1545115890) and push.end_reason == "push ended"
    assert hook_calls[-1] == (
        "room_push_ended",
        {"room_id": room.pk, "stream_name": "test_stream", "at": at(1545115890)},
    )


@pytest.mark.django_db
def test_callback_log_query_count_does_not_grow_with_events(
    client: Client, client_as: Any, manager: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        post_callback(client, {"event_type": 999, "stream_id": f"s{n}"})
    viewer = client_as(manager)
    viewer.get("/callbacks/events/")

    with django_assert_max_num_queries(6):
        response = viewer.get("/callbacks/events/", {"stream": ""})

    assert len(response.context["page"].object_list) == 30
