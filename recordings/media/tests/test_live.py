"""Live now: the board, play URLs, the health chart, dropping a stream, and the live page in a browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from dashboard.models import AuditEntry
from recordings.media import jobs as file_jobs
from recordings.media.health_chart import health_figure
from recordings.media.services import live
from recordings.media.tests.support import (
    make_room,
    make_session,
    start_push,
    wait_for,
)
from recordings.models import PushAnomaly, StreamPush, StreamScreenshot
from tencent.errors import TencentError
from tencent.results import CallResult, OnlineStream, PushSample


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.delete_many([live.ONLINE_CACHE_KEY, f"{live.PUSH_SAMPLES_CACHE_KEY}:main"])


def online(*names: str) -> Any:
    return lambda **_: [OnlineStream(name, "live", "push.example.com", []) for name in names]


def sample(
    seconds_ago: int, *, fps: float = 25.0, resolution: str = "1280*720", codec: str = "h264"
) -> PushSample:
    return PushSample(
        time=timezone.now() - timedelta(seconds=seconds_ago),
        resolution=resolution,
        video_fps=fps,
        video_bps=2_500_000,
        audio_bps=128_000,
        video_codec=codec,
        audio_codec="aac",
        bandwidth_mbps=2.6,
        flux_mb=1.0,
        local_ts=0,
        video_ts=0,
        audio_ts=0,
    )


def live_push(stream: str, **extra: Any) -> StreamPush:
    return StreamPush.objects.create(
        stream_name=stream,
        sequence="1",
        app_name="live",
        started_at=timezone.now() - timedelta(minutes=3),
        **extra,
    )


@pytest.mark.django_db
def test_board_lists_live_streams_with_thumbnail_app_duration_and_health(
    client_as: Any, moderator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = make_room(name="Main stage", stream_name="main")
    live_push("main", room=room)
    live_push("ghost")  # callbacks say live, CSS does not
    StreamPush.objects.create(
        stream_name="over", sequence="1", started_at=timezone.now(), ended_at=timezone.now()
    )
    StreamScreenshot.objects.create(
        stream_name="main", taken_at=timezone.now(), pic_url="/a.jpg", pic_full_url="http://pics/a.jpg"
    )
    monkeypatch.setattr(live.css, "describe_live_stream_online_list", online("main", "lost-start"))

    response = client_as(moderator).get("/live/")

    entries = {e.stream_name: e for e in response.context["entries"]}
    assert set(entries) == {"main", "ghost", "lost-start"}
    assert entries["main"].health == live.Health.GOOD and entries["main"].thumbnail_url == "http://pics/a.jpg"
    assert entries["main"].client_app_name == room.client_app.name
    assert entries["ghost"].health == live.Health.UNCONFIRMED
    assert not entries["lost-start"].from_callbacks
    html = response.content.decode()
    assert "Main stage" in html and "Live for 3:0" in html and "Not seen by CSS" in html
    assert f'href="/live/rooms/{room.pk}/"' in html


@pytest.mark.django_db
def test_board_refresh_swaps_only_the_results_and_marks_anomalies(
    client_as: Any, operator: Any, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    for n in range(10):
        room = make_room(stream_name=f"s{n}")
        push = live_push(
            f"s{n}", room=room, session=make_session(room, stream_name=f"s{n}-r1", start=timezone.now())
        )
        StreamScreenshot.objects.create(
            stream_name=push.stream_name,
            taken_at=timezone.now(),
            pic_url=f"/{n}",
            pic_full_url=f"http://p/{n}",
        )
    PushAnomaly.objects.create(
        event=_event(), stream_name="s0", occurred_at=timezone.now(), anomaly_type=3, count=2
    )
    monkeypatch.setattr(live.css, "describe_live_stream_online_list", online(*[f"s{n}" for n in range(10)]))
    client = client_as(operator)
    client.get("/live/")

    with django_assert_max_num_queries(8):
        response = client.get("/live/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    html = response.content.decode()
    assert "<form" not in html and html.count('class="card live-card"') == 10
    assert "2 anomalies" not in html and "1 anomaly" in html  # one anomaly row of type 3 (count 2)


def _event() -> Any:
    from recordings.models import CssCallbackEvent

    return CssCallbackEvent.objects.create(dedupe_key=str(CssCallbackEvent.objects.count()), raw_body="{}")


@pytest.mark.django_db
def test_board_still_works_when_css_cannot_be_asked(
    client_as: Any, operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    live_push("main", room=make_room(stream_name="main"))

    def down(**_: Any) -> None:
        raise TencentError(code="InternalError", message="down", action="DescribeLiveStreamOnlineList")

    monkeypatch.setattr(live.css, "describe_live_stream_online_list", down)

    response = client_as(operator).get("/live/")

    [entry] = response.context["entries"]
    assert entry.confirmed is None and "Unconfirmed" in response.content.decode()


@pytest.mark.django_db
def test_play_urls_are_signed_and_renewed_before_they_lapse(
    client_as: Any, moderator: Any, settings: Any
) -> None:
    settings.CSS_PLAY_URL_TTL_SECONDS = 600
    settings.CSS_PLAY_BASE_URL = "http://play.test"
    make_room(stream_name="main")
    client = client_as(moderator)

    data = client.get("/live/streams/main/play-urls/").json()

    assert data["hls"].startswith("http://play.test/live/main.m3u8?")
    assert int(parse_qs(urlsplit(data["hls"]).query)["txTime"][0], 16) > timezone.now().timestamp() + 500
    assert data["webrtc"].startswith("webrtc://")
    assert 400 <= data["refresh_in_s"] < 600
    assert client.get("/live/streams/unknown/play-urls/").status_code == 404


@pytest.mark.django_db
def test_health_json_has_a_point_per_sample_and_marks_anomalies(
    client_as: Any, operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_room(stream_name="main")
    monkeypatch.setattr(
        live.css, "describe_stream_push_info_list", lambda **_: [sample(20), sample(10, fps=12)]
    )
    PushAnomaly.objects.create(event=_event(), stream_name="main", occurred_at=timezone.now(), anomaly_type=6)

    data = client_as(operator).get("/live/streams/main/health/").json()
    monkeypatch.setattr(live.css, "describe_stream_push_info_list", lambda **_: [])
    again = client_as(operator).get("/live/streams/main/health/").json()  # another viewer, seconds later

    assert data["points"] == again["points"] == 2 and data["anomalies"] == 1
    assert data["latest"] == {"resolution": "1280x720", "video_kbps": 2500, "fps": 12.0}
    names = [trace["name"] for trace in data["figure"]["data"]]
    assert names == ["video kbps", "audio kbps", "fps", "resolution", "push anomaly"]


def test_health_figure_plots_bitrate_fps_and_resolution() -> None:
    figure = health_figure([sample(5, resolution="1920*1080")], [])

    by_name = {trace["name"]: trace for trace in figure["data"]}
    assert by_name["video kbps"]["y"] == [2500.0]
    assert by_name["fps"]["y"] == [25.0]
    assert by_name["resolution"]["y"] == [1080] and by_name["resolution"]["text"] == ["1920x1080"]


@pytest.mark.django_db
def test_drop_needs_confirmation_and_is_audited(
    client_as: Any, operator: Any, moderator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[str] = []

    def drop_live_stream(*, stream_name: str, app_name: str | None = None) -> CallResult:
        dropped.append(stream_name)
        return CallResult("req-1")

    monkeypatch.setattr(live.css, "drop_live_stream", drop_live_stream)
    live_push("main", room=make_room(stream_name="main"))

    assert client_as(moderator).post("/live/streams/main/drop/").status_code == 403
    confirm = client_as(operator).get("/live/streams/main/drop/")
    response = client_as(operator).post("/live/streams/main/drop/")

    assert confirm.status_code == 200 and b"Drop the stream" in confirm.content
    assert response.status_code == 302 and dropped == ["main"]
    entry = AuditEntry.objects.get(action="stream.drop")
    assert entry.actor == operator and entry.changes["request_id"] == "req-1"


# --- against the emulator ----------------------------------------------------------------------------


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_a_pushed_stream_appears_on_the_board_and_an_operator_drops_it(
    role_groups: None, client_as: Any, operator: Any, media_emulator: Any
) -> None:
    room = make_room(name="Emulated", stream_name="room-board")
    start_push("room-board")
    wait_for(lambda: StreamPush.objects.live().filter(room=room).exists(), what="push-started callback")
    wait_for(lambda: StreamScreenshot.objects.filter(stream_name="room-board").exists(), what="a screenshot")

    board = client_as(operator).get("/live/")
    [entry] = board.context["entries"]
    assert entry.room == room and entry.confirmed and entry.thumbnail_url

    client_as(operator).post("/live/streams/room-board/drop/")

    wait_for(lambda: not StreamPush.objects.live().exists(), what="push-ended callback")
    assert (
        media_emulator.state.online_push(media_emulator.config.css_push_domain, "live", "room-board") is None
    )


@pytest.mark.browser
@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_live_page_plays_the_stream_and_charts_its_health(
    role_groups: None,
    live_server: Any,
    page: Any,
    browser_login: Any,
    operator: Any,
    media_emulator: Any,
    settings: Any,
) -> None:
    # Play URLs that lapse after 10 s: the player must re-sign them (after about 5 s) to keep playing.
    settings.CSS_PLAY_URL_TTL_SECONDS = 10
    room = make_room(name="Browser room", stream_name="room-browser")
    start_push("room-browser")
    wait_for(lambda: StreamPush.objects.live().filter(room=room).exists(), what="push-started callback")
    browser_login(page, operator)

    page.goto(f"{live_server.url}/live/rooms/{room.pk}/")

    video = "document.getElementById('live-video')"
    page.wait_for_function(f"{video}.currentTime > 2", timeout=40_000)
    page.wait_for_function(
        "Number(document.getElementById('health-chart').dataset.points) > 0", timeout=30_000
    )
    assert page.locator("#health-chart .main-svg").count() > 0
    assert page.input_value("[data-role=webrtc]").startswith("webrtc://")
    # Still playing well past the first URLs' expiry, on re-signed URLs.
    page.wait_for_function(f"{video}.currentTime > 13", timeout=40_000)
    assert int(page.get_attribute("#live-player", "data-resigned") or 0) >= 1
    first = page.evaluate(f"{video}.currentTime")
    page.wait_for_timeout(1500)
    assert page.evaluate(f"{video}.currentTime") > first

    # Switching to FLV plays the emulator's HTTP-FLV stream through mpegts.js.
    with page.expect_response(lambda response: ".flv" in response.url) as flv:
        page.check("input[name=protocol][value=flv]")
    assert flv.value.status == 200 and "txSecret=" in flv.value.url
    page.wait_for_function("document.getElementById('live-player').dataset.protocol === 'flv'")
    page.wait_for_function(f"{video}.currentTime > 0 && !{video}.paused", timeout=30_000)
    switched = page.evaluate(f"{video}.currentTime")
    page.wait_for_function(f"{video}.currentTime > {switched} + 2", timeout=30_000)


@pytest.mark.django_db
@pytest.mark.parametrize(("codec", "warned"), [("hevc", True), ("h264", False)])
def test_live_page_warns_when_car_pushes_h265(
    client_as: Any, moderator: Any, monkeypatch: pytest.MonkeyPatch, codec: str, warned: bool
) -> None:
    # CAR picks H.265 first for a session without a client, and StartPublishStream cannot ask for H.264.
    room = make_room(stream_name="main")
    live_push("main", room=room)
    monkeypatch.setattr(live.css, "describe_stream_push_info_list", lambda **_: [sample(5, codec=codec)])

    html = client_as(moderator).get(f"/live/rooms/{room.pk}/").content.decode()

    assert ("This stream is H.265 (HEVC)" in html) is warned


@pytest.mark.django_db
def test_live_page_of_a_session_uses_its_stream(client_as: Any, moderator: Any) -> None:
    room = make_room(name="Stage", stream_name="stage")
    session = make_session(room, stream_name="stage-r4", start=timezone.now())

    response = client_as(moderator).get(f"/live/sessions/{session.pk}/")

    assert response.status_code == 200 and response.context["stream_name"] == "stage-r4"
    html = response.content.decode()
    assert "/live/streams/stage-r4/play-urls/" in html and "Drop stream" not in html
    assert client_as(moderator).get("/live/streams/stage-r4/play-urls/").status_code == 200


@pytest.mark.django_db
def test_board_links_the_callback_log_for_those_who_may_read_it(
    client_as: Any, operator: Any, moderator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live.css, "describe_live_stream_online_list", online())

    assert b'href="/callbacks/events/"' in client_as(operator).get("/live/").content
    assert b'href="/callbacks/events/"' not in client_as(moderator).get("/live/").content
    assert client_as(moderator).get("/callbacks/events/").status_code == 403


@pytest.mark.django_db
def test_reconciliation_closes_pushes_whose_end_callback_was_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live.css, "describe_live_stream_online_list", online("still-on"))
    live_push("still-on")
    lost = live_push("lost-end")
    StreamPush.objects.create(stream_name="new", sequence="1", started_at=timezone.now())  # within the grace

    assert file_jobs.reconcile_live_pushes() == 1

    lost.refresh_from_db()
    assert lost.ended_at is not None and "end callback lost" in lost.end_reason
    assert set(StreamPush.objects.live().values_list("stream_name", flat=True)) == {"still-on", "new"}


@pytest.mark.django_db
def test_live_page_shows_the_rooms_push_and_the_streams_latest_anomalies(
    client_as: Any, moderator: Any
) -> None:
    room = make_room(stream_name="main")
    ended = live_push("main", room=room)
    StreamPush.objects.filter(pk=ended.pk).update(ended_at=timezone.now() - timedelta(minutes=1))
    on_air = StreamPush.objects.create(
        stream_name="main", sequence="2", app_name="live", room=room, started_at=timezone.now()
    )
    now = timezone.now()
    for minutes in range(22):
        PushAnomaly.objects.create(
            event=_event(), stream_name="main", occurred_at=now - timedelta(minutes=minutes), anomaly_type=3
        )
    PushAnomaly.objects.create(event=_event(), stream_name="other", occurred_at=now, anomaly_type=3)

    context = client_as(moderator).get(f"/live/rooms/{room.pk}/").context

    assert context["push"] == on_air and StreamPush.objects.newest_of_stream("main") == on_air
    shown = [anomaly.occurred_at for anomaly in context["anomalies"]]
    assert shown == [now - timedelta(minutes=minutes) for minutes in range(20)]
