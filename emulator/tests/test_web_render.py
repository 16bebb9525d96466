"""WEB client apps rendered for real: the page's URL from CAR's (emulated) console and the session's
ApplicationParameters, the pushed frames showing the page (the sample live room's magenta corner marker), the
browser closed on stop, and the test picture — saying why — when the limit is reached or Xvfb is missing."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from emulator.config import EmulatorConfig
from emulator.media import ffmpeg_exe
from emulator.state import Push
from emulator.testing import RunningEmulator
from emulator.tests.sdk import Clients, call
from emulator.webapps import page_url
from emulator.webrender import find_chromium

pytestmark = pytest.mark.emulator

PROJECT = "cap-web00001"
PUBLIC_IP = "125.127.178.228"
MARKER = (255, 0, 255)  # the sample live room's top-left square
CORNER_AS_RGB = ["-vf", "crop=2:2:4:4", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
ROOT = Path(__file__).resolve().parents[2]
can_render = pytest.mark.skipif(
    find_chromium() is None or not Path("/usr/bin/Xvfb").exists(), reason="needs Xvfb and Chromium"
)


def admin(emu: RunningEmulator, method: str, path: str, body: object = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{emu.base_url}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, json.loads(raw) if "json" in kind else raw.decode()
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def register(emu: RunningEmulator, kind: str = "WEB", **extra: object) -> None:
    spec = {
        "project_id": PROJECT,
        "kind": kind,
        "url": f"{emu.base_url}/_emulator/apps/live-room/",
        "resolution": "320x180",
        "frame_rate": 10,
        **extra,
    }
    status, _ = admin(emu, "POST", "/_emulator/car/applications", spec)
    assert status == 200


def publish(clients: Clients, user_id: str, parameters: str = "") -> None:
    call(clients.car, "ApplyConcurrent", UserId=user_id, UserIp=PUBLIC_IP, ProjectId=PROJECT)
    session = {"UserId": user_id, "UserIp": PUBLIC_IP, "RunMode": "RunWithoutClient"}
    call(
        clients.car,
        "CreateSession",
        **session,
        **({"ApplicationParameters": parameters} if parameters else {}),
    )
    call(clients.car, "StartPublishStream", UserId=user_id)


def push_of(emu: RunningEmulator, user_id: str) -> Push:
    return next(push for push in emu.state.pushes if push.stream_name == user_id and push.ended_at is None)


def corner_colour(emu: RunningEmulator, user_id: str) -> tuple[int, int, int]:
    """The colour at (4, 4) of the last frame of the latest segment of the live HLS (decoded from its start:
    seeking near the end of an H.265 segment misses its references)."""
    stream = emu.app.css.pushes.live_stream("live", user_id)
    assert stream is not None
    [segment] = stream.segments_between(time.time() - 3)[-1:]
    pixel = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(segment.path), *CORNER_AS_RGB],
        capture_output=True,
        check=True,
        timeout=20,
    ).stdout[-12:-9]  # every frame's 2x2 corner (yuv420 crops by 2): the last frame's first pixel
    return pixel[0], pixel[1], pixel[2]


def shows_marker(colour: tuple[int, int, int]) -> bool:
    return all(abs(got - want) < 60 for got, want in zip(colour, MARKER, strict=True))


def wait_for_marker(emu: RunningEmulator, user_id: str, timeout: float = 25) -> tuple[int, int, int]:
    deadline = time.monotonic() + timeout
    colour = (0, 0, 0)
    while time.monotonic() < deadline:
        time.sleep(1)
        try:
            colour = corner_colour(emu, user_id)
        except ValueError:  # no segment yet
            continue
        if shows_marker(colour):
            break
    return colour


# --- the registry and the page's URL ------------------------------------------------------------------------


def test_the_page_gets_the_url_args_and_the_whole_parameters() -> None:
    url = page_url("http://host/app/?lang=en", "--url-args=room=live-1&stream=s1 --seat=front")
    assert url == (
        "http://host/app/?lang=en&room=live-1&stream=s1&car_params=--url-args%3Droom%3Dlive-1%26stream%3Ds1"
        "+--seat%3Dfront"
    )
    assert page_url("http://host/app", "") == "http://host/app"


def test_applications_are_registered_listed_and_checked(emu: RunningEmulator) -> None:
    register(emu)
    register(emu, kind="APK", application_id="app-gift0001", url="")
    status, listed = admin(emu, "GET", "/_emulator/car/applications")
    assert status == 200 and isinstance(listed, list)
    assert sorted(app["kind"] for app in listed) == ["APK", "WEB"]
    status, answer = admin(emu, "POST", "/_emulator/car/applications", {"project_id": PROJECT, "kind": "WEB"})
    assert status == 400 and "url" in str(answer)
    emu.app.reset()
    assert admin(emu, "GET", "/_emulator/car/applications") == (200, [])


def test_the_sample_live_room_is_served_with_its_own_files(emu: RunningEmulator) -> None:
    status, page = admin(emu, "GET", "/_emulator/apps/live-room/")
    assert status == 200 and 'src="live-room.js"' in str(page) and "http" not in str(page).split("<body>")[1]
    assert admin(emu, "GET", "/_emulator/apps/live-room/live-room.css")[0] == 200
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{emu.base_url}/_emulator/apps/../admin.py", timeout=5)


def test_the_settings_are_read_and_listed_in_env_example() -> None:
    assert EmulatorConfig.from_env({}).web_render_max == 2
    assert EmulatorConfig.from_env({"EMULATOR_WEB_RENDER_MAX": "0"}).web_render_max == 0
    listed = (ROOT / ".env.example").read_text()
    assert "EMULATOR_WEB_RENDER_MAX=2" in listed and "EMULATOR_CAR_APPLICATIONS=" in listed


def test_an_apk_app_keeps_the_test_picture(clients: Clients, emu: RunningEmulator) -> None:
    register(emu, kind="APK", url="")
    publish(clients, "room-apk")
    assert push_of(emu, "room-apk").picture == "test picture"
    assert emu.app.css.pushes.renderer.open_count() == 0
    call(clients.car, "DestroySession", UserId="room-apk")


def test_without_xvfb_a_web_app_pushes_the_test_picture_and_says_why(
    clients: Clients, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import emulator.webrender as webrender

    real_which = webrender.shutil.which
    monkeypatch.setattr(webrender.shutil, "which", lambda name: None if name == "Xvfb" else real_which(name))
    register(emu)
    publish(clients, "room-1", "--url-args=room=live-1")
    assert push_of(emu, "room-1").picture == "test picture: Xvfb is not installed"
    assert admin(emu, "GET", "/_emulator/state")[1]["web_rendering"]["unavailable"] == "Xvfb is not installed"  # type: ignore[index]
    call(clients.car, "DestroySession", UserId="room-1")


# --- rendering for real ---------------------------------------------------------------------------------------


@can_render
@pytest.mark.slow
def test_a_web_app_pushes_its_rendered_page_and_stop_closes_the_browser(
    clients: Clients, emu: RunningEmulator
) -> None:
    register(emu)
    publish(clients, "room-1", "--url-args=room=live-1")
    push = push_of(emu, "room-1")
    assert push.picture.startswith("rendered page ") and "room=live-1" in push.picture
    [display] = list(emu.app.css.pushes.renderer._open)
    assert shows_marker(wait_for_marker(emu, "room-1"))
    call(clients.car, "StopPublishStream", UserId="room-1")
    assert emu.app.css.pushes.renderer.open_count() == 0
    assert not display.is_open()
    call(clients.car, "DestroySession", UserId="room-1")


@can_render
@pytest.mark.slow
def test_beyond_the_limit_a_web_app_falls_back_to_the_test_picture(
    clients: Clients, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emu.app.css.pushes.renderer, "max_sessions", 1)
    register(emu)
    publish(clients, "room-1", "--url-args=room=live-1")
    publish(clients, "room-2", "--url-args=room=live-2")
    assert push_of(emu, "room-1").picture.startswith("rendered page ")
    fallback = push_of(emu, "room-2")
    assert fallback.picture == "test picture: 1 WEB apps are already rendered (EMULATOR_WEB_RENDER_MAX)"
    assert shows_marker(wait_for_marker(emu, "room-1"))
    assert not shows_marker(corner_colour(emu, "room-2"))
    for user_id in ("room-1", "room-2"):
        call(clients.car, "DestroySession", UserId=user_id)
    assert emu.app.css.pushes.renderer.open_count() == 0


@can_render
@pytest.mark.slow
def test_a_page_that_cannot_be_grabbed_falls_back_to_the_test_picture(
    clients: Clients, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emulator.webrender import RenderedStream

    monkeypatch.setattr(RenderedStream, "_inputs", lambda self: ["-f", "x11grab", "-i", ":9999.0"])
    register(emu)
    publish(clients, "room-1", "--url-args=room=live-1")
    assert push_of(emu, "room-1").picture == "test picture: the page could not be pushed"
    assert emu.app.css.pushes.renderer.open_count() == 0  # the browser of the failed attempt is closed
    call(clients.car, "DestroySession", UserId="room-1")


@can_render
@pytest.mark.slow
def test_a_recording_of_a_web_app_shows_its_page(clients: Clients, emu: RunningEmulator) -> None:
    register(emu, resolution="384x216")  # not the emulator's test picture size (320x180)
    task = call(
        clients.live,
        "CreateRecordTask",
        StreamName="room-1",
        DomainName=emu.config.css_push_domain,
        AppName="live",
        EndTime=int(time.time()) + 600,
        TemplateId=1,
        Extension="{}",
    )["TaskId"]
    time.sleep(emu.config.record_activation_seconds)
    publish(clients, "room-1", "--url-args=room=live-1")
    assert shows_marker(wait_for_marker(emu, "room-1"))
    time.sleep(1)
    call(clients.live, "StopRecordTask", TaskId=task)
    assert emu.wait_idle(30)
    [mp4] = [media for media in emu.state.media.values() if media.paths[0].endswith(".mp4")]
    assert (mp4.width, mp4.height) == (384, 216)
    path = emu.app.vod.root / emu.config.vod_app_id / mp4.file_id / mp4.paths[0]
    last = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), *CORNER_AS_RGB], capture_output=True, check=True
    ).stdout[-12:-9]
    assert shows_marker((last[0], last[1], last[2]))
    call(clients.car, "DestroySession", UserId="room-1")
