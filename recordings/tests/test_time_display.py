"""Recording pages show times in the active zone with the zone named: file pages, signed URLs' expiry, charts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import PASSWORD
from dashboard.models import Profile
from recordings.media.health_chart import health_figure
from recordings.media.services import files
from recordings.media.tests.support import make_file, make_room
from recordings.review.chart import reviewed_per_day_figure
from tencent.results import PushSample

# 05:06:07 UTC = 13:06:07 in Singapore (+08) = 06:06:07 in Berlin (CET).
INSTANT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture(autouse=True)
def console_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Singapore"


@pytest.mark.django_db
def test_file_page_shows_its_times_in_the_console_zone_then_in_the_users(
    client_as: Any, operator: Any
) -> None:
    recording = make_file(room=make_room(), file_id="5285890000000001", start=INSTANT, duration_s=90)
    client = client_as(operator)
    page = client.get(f"/files/{recording.pk}/").content.decode()
    assert "2026-03-04 13:06:07 → 13:07:37 +08" in page
    assert "05:06:07" not in page

    client.post("/accounts/profile/", {"time_zone": "Europe/Berlin"})
    page = client.get(f"/files/{recording.pk}/").content.decode()
    assert "2026-03-04 06:06:07 → 06:07:37 CET" in page
    listing = client.get("/files/").content.decode()
    assert "2026-03-04 06:06:07 CET" in listing


@pytest.mark.django_db
def test_signed_urls_say_until_when_in_the_users_zone_not_the_browsers(
    client_as: Any, moderator: Any, settings: Any
) -> None:
    settings.CSS_PLAY_BASE_URL = "http://play.test"
    make_room(stream_name="main")
    Profile.objects.create(user=moderator, time_zone="America/New_York")
    data = client_as(moderator).get("/live/streams/main/play-urls/").json()
    expires = datetime.fromisoformat(data["expires_at"]).astimezone(ZoneInfo("America/New_York"))
    assert data["expires_at_display"] == f"{expires:%H:%M:%S} {expires.tzname()}"
    assert expires.tzname() in ("EST", "EDT")

    recording = make_file(room=make_room(), file_id="5285890000000002")
    signed = client_as(moderator).get(f"/files/{recording.pk}/signed-url/").json()
    assert signed["expires_at_display"].endswith(" EST") or signed["expires_at_display"].endswith(" EDT")


def test_charts_name_the_zone_of_their_time_axis() -> None:
    sample = PushSample(
        time=INSTANT,
        resolution="1280*720",
        video_fps=25.0,
        video_bps=2_500_000,
        audio_bps=128_000,
        video_codec="h264",
        audio_codec="aac",
        bandwidth_mbps=2.6,
        flux_mb=1.0,
        local_ts=0,
        video_ts=0,
        audio_ts=0,
    )
    figure = health_figure([sample], [])
    assert figure["data"][0]["x"] == ["2026-03-04T13:06:07+08:00"]
    assert figure["layout"]["xaxis3"]["title"]["text"] == "Time (Asia/Singapore (+08))"
    with timezone.override(ZoneInfo("Europe/Berlin")):
        figure = health_figure([sample], [])
        assert figure["data"][0]["x"] == ["2026-03-04T06:06:07+01:00"]
        assert figure["layout"]["xaxis3"]["title"]["text"] == "Time (Europe/Berlin (CET))"
        review = reviewed_per_day_figure([{"day": INSTANT.date(), "moderator": "mo", "total": 2}])
        assert review["layout"]["xaxis"]["title"]["text"] == "Day (Europe/Berlin (CET))"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_live_page_says_until_when_in_the_console_zone_whatever_the_browsers(
    browser: Any, live_server: Any, operator: Any, settings: Any
) -> None:
    settings.CSS_PLAY_BASE_URL = "http://127.0.0.1:9"  # nothing plays: only the expiry line matters here
    room = make_room(name="Zone room", stream_name="room-zone")
    context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="America/Los_Angeles")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", operator.get_username())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/live/rooms/{room.pk}/")
        page.wait_for_function(
            "document.querySelector('[data-role=expiry]').textContent.includes('valid until')"
        )
        text = page.inner_text("[data-role=expiry]")
    finally:
        context.close()
    assert re.fullmatch(r"Signed URLs valid until \d\d:\d\d:\d\d \+08; renewed automatically\.", text), text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_file_page_renews_its_expiry_line_in_the_console_zone(
    browser: Any, live_server: Any, operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "SIGNED_URL_REFRESH_S", 1)
    recording = make_file(room=make_room(), file_id="5285890000000003", url="http://127.0.0.1:9/a/b/f.mp4")
    context = browser.new_context(viewport={"width": 1360, "height": 900}, timezone_id="America/Los_Angeles")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", operator.get_username())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/files/{recording.pk}/")
        first = page.inner_text("#file-player [data-role=expiry]")
        page.wait_for_function("Number(document.getElementById('file-player').dataset.resigned || 0) >= 2")
        text = page.inner_text("#file-player [data-role=expiry]")
    finally:
        context.close()
    expiry_line = r"Signed URL valid until \d\d:\d\d:\d\d \+08; renewed automatically\."
    assert re.fullmatch(expiry_line, first) and re.fullmatch(expiry_line, text), (first, text)
    assert text != first  # the renewed URL's later expiry
