"""The rendered page's sound and its comments: the sample live room's event channel, a gift heard in the push
(silence, said so, without PulseAudio), comments on screen at their `at` time in a recording (decoded from the
page's code strip), and a SIGKILLed emulator taking its browser, display and sound server with it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import textwrap
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emulator.media import ffmpeg_exe
from emulator.testing import RunningEmulator
from emulator.tests.processes import emulator_child, running
from emulator.tests.sdk import Clients, call
from emulator.tests.test_web_render import admin, can_render, publish, push_of, register, wait_for_marker
from emulator.webrender import find_pulseaudio

pytestmark = pytest.mark.emulator
ROOT = Path(__file__).resolve().parents[2]
CODE_BITS = 16
has_pulseaudio = pytest.mark.skipif(find_pulseaudio() is None, reason="needs PulseAudio")


def page_code(kind: str, text: str) -> int:
    """The code the sample live room shows for a comment (live-room.js)."""
    value = 0
    units = f"{kind}:{text}".encode("utf-16-le")
    for index in range(0, len(units), 2):
        value = (value * 31 + int.from_bytes(units[index : index + 2], "little")) % 65536
    return value


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def post_events(emu: RunningEmulator, room: str, *events: Mapping[str, object]) -> None:
    status, answer = admin(emu, "POST", f"/_emulator/channels/{room}", {"events": list(events)})
    assert status == 200, answer


def max_volume_db(path: Path) -> float:
    """The loudest sample of the file's sound (ffmpeg volumedetect; -91 dB is digital silence)."""
    log = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-af",
            "volumedetect",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stderr
    found = re.search(r"max_volume: (-?[\d.]+|-inf) dB", log)
    assert found, log
    return -91.0 if found[1] == "-inf" else float(found[1])


def recent_sound_db(emu: RunningEmulator, user_id: str, seconds: float) -> float:
    stream = emu.app.css.pushes.live_stream("live", user_id)
    assert stream is not None
    segments = stream.segments_between(time.time() - seconds)
    assert segments
    return max(max_volume_db(segment.path) for segment in segments)


def decode_strip(frames: bytes, *, width: int, cell: float, count: int) -> list[int | None]:
    """Per frame (a gray row through the middle of the code strip): the code shown, or None."""
    codes: list[int | None] = []
    for start in range(0, count * width, width):
        row = frames[start : start + width]
        bits = [row[int((index + 0.5) * cell)] > 128 for index in range(CODE_BITS + 2)]
        if not bits[0] or bits[-1]:
            codes.append(None)
            continue
        codes.append(int("".join("1" if bit else "0" for bit in bits[1:-1]), 2))
    return codes


def strip_codes(path: Path, *, width: int, height: int) -> list[tuple[float, int | None]]:
    """(seconds into the file, code shown) for every frame of a recording of the sample live room."""
    cell = 0.04 * height
    row = int(0.12 * height + cell / 2)
    result = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:v",
            "-vf",
            f"format=gray,crop={width}:1:0:{row},showinfo",
            "-fps_mode",
            "passthrough",  # one output frame per decoded frame, as showinfo lists them
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        timeout=120,
    )
    times = [float(t) for t in re.findall(rb"pts_time:\s*([\d.]+)", result.stderr)]
    codes = decode_strip(result.stdout, width=width, cell=cell, count=len(result.stdout) // width)
    assert len(times) == len(codes) > 0, result.stderr[-2000:]
    return list(zip(times, codes, strict=True))


def first_seen(codes: list[tuple[float, int | None]], code: int) -> float | None:
    return next((at for at, shown in codes if shown == code), None)


# --- the channel --------------------------------------------------------------------------------------------


def test_the_channel_keeps_each_rooms_events_in_order_once(emu: RunningEmulator) -> None:
    first = {"at": "2026-12-02T12:00:00+08:00", "kind": "bullet_comment", "text": "hi", "id": "e1"}
    gift = {"at": "2026-12-02T04:00:01Z", "kind": "gift", "text": "a rocket"}
    post_events(emu, "live-1", first, gift)
    post_events(emu, "live-1", first)  # a retried forward: known by its id
    post_events(emu, "live-2", {"at": "2026-12-02T04:00:02Z", "kind": "gift"})
    status, answer = admin(emu, "GET", "/_emulator/channels/live-1?after=0")
    assert status == 200 and isinstance(answer, dict)
    assert [(e["seq"], e["kind"], e["at_ms"]) for e in answer["events"]] == [
        (1, "bullet_comment", 1796184000000),  # 2026-12-02T04:00:00Z
        (2, "gift", 1796184001000),
    ]
    assert admin(emu, "GET", "/_emulator/channels/live-1?after=1")[1]["events"][0]["text"] == "a rocket"  # type: ignore[index]
    assert admin(emu, "GET", "/_emulator/channels/nobody?after=0") == (200, {"events": [], "last": 0})
    bad: object
    for bad in (
        {"events": [{"at": "noon", "kind": "gift"}]},
        {"events": [{"at": "2026-12-02T04:00:00", "kind": "x"}]},
        [],
    ):
        assert admin(emu, "POST", "/_emulator/channels/live-1", bad)[0] == 400
    assert admin(emu, "GET", "/_emulator/channels/live-1?after=x")[0] == 400
    emu.app.reset()
    assert admin(emu, "GET", "/_emulator/channels/live-1?after=0")[1] == {"events": [], "last": 0}


def test_the_page_hash_matches_live_room_js() -> None:
    script = (ROOT / "emulator/sample_apps/live-room/live-room.js").read_text()
    assert "h = (h * 31 + value.charCodeAt(j)) % 65536" in script
    assert page_code("gift", "") == page_code("gift", "")
    assert page_code("bullet_comment", "a") != page_code("bullet_comment", "b")


# --- sound --------------------------------------------------------------------------------------------------


@can_render
@has_pulseaudio
@pytest.mark.slow
def test_a_gift_on_the_page_is_heard_in_the_push(clients: Clients, emu: RunningEmulator) -> None:
    register(emu)
    publish(clients, "room-1", "--url-args=room=live-1")
    assert push_of(emu, "room-1").picture.endswith("sound: the page's sound (PulseAudio null sink)")
    wait_for_marker(emu, "room-1")
    assert recent_sound_db(emu, "room-1", 2) < -60  # nothing plays before a gift
    post_events(emu, "live-1", {"at": iso(time.time()), "kind": "gift", "text": "a rocket"})
    deadline = time.monotonic() + 25
    loudest = -91.0
    while time.monotonic() < deadline and loudest < -30:
        time.sleep(1)
        loudest = recent_sound_db(emu, "room-1", 4)
    assert loudest > -30, loudest
    call(clients.car, "DestroySession", UserId="room-1")


@can_render
@pytest.mark.slow
def test_without_pulseaudio_the_rendered_page_pushes_silence_and_says_so(
    clients: Clients, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import emulator.webrender as webrender

    monkeypatch.setattr(webrender, "find_pulseaudio", lambda: None)
    register(emu)
    publish(clients, "room-1", "--url-args=room=live-1")
    assert push_of(emu, "room-1").picture.endswith("sound: silence (PulseAudio is not installed)")
    state = admin(emu, "GET", "/_emulator/state")[1]
    assert isinstance(state, dict)
    assert state["web_rendering"]["sound_unavailable"] == "PulseAudio is not installed"
    wait_for_marker(emu, "room-1")
    post_events(emu, "live-1", {"at": iso(time.time()), "kind": "gift", "text": "a rocket"})
    time.sleep(4)
    assert recent_sound_db(emu, "room-1", 4) <= -90
    call(clients.car, "DestroySession", UserId="room-1")


# --- comments at their time ---------------------------------------------------------------------------------


@can_render
@pytest.mark.slow
def test_comments_are_on_screen_within_a_second_of_their_time_in_the_recording(
    clients: Clients, emu: RunningEmulator
) -> None:
    register(emu, resolution="480x270")
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
    wait_for_marker(emu, "room-1")
    now = time.time()
    comments = [
        (now, "bullet_comment", "right now"),  # due as it arrives: shown at once
        (now + 2, "bullet_comment", "in two seconds"),
        (now + 4, "gift", "a rocket in four"),
    ]
    post_events(emu, "live-1", *({"at": iso(at), "kind": kind, "text": text} for at, kind, text in comments))
    time.sleep(6)
    call(clients.live, "StopRecordTask", TaskId=task)
    assert emu.wait_idle(30)
    [mp4] = [media for media in emu.state.media.values() if media.paths[0].endswith(".mp4")]
    path = emu.app.vod.root / emu.config.vod_app_id / mp4.file_id / mp4.paths[0]
    codes = strip_codes(path, width=480, height=270)
    for at, kind, text in comments:
        seen = first_seen(codes, page_code(kind, text))
        assert seen is not None, (text, sorted({code for _, code in codes if code is not None}))
        # The file's timeline is the wall clock from its start (what the console's markers are placed by).
        assert abs(mp4.record_start + seen - at) <= 1.0, (text, mp4.record_start + seen - at)
    call(clients.car, "DestroySession", UserId="room-1")


# --- a SIGKILLed emulator -----------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from emulator.testing import running_emulator
    from emulator.tests.sdk import make_clients
    from emulator.tests.test_web_render import publish, register

    with running_emulator(EMULATOR_CAR_PROCESSING_SECONDS=0.2, EMULATOR_SEGMENT_SECONDS=1) as emu:
        register(emu)
        publish(make_clients(emu), "room-1", "--url-args=room=live-1")
        [display] = list(emu.app.css.pushes.renderer._open)
        print(json.dumps({"display": display.pids()}), flush=True)
        time.sleep(600)
    """
)


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@can_render
@pytest.mark.slow
def test_a_sigkilled_emulator_takes_its_browser_display_sound_and_push_with_it() -> None:
    child = emulator_child(CHILD)
    try:
        line = child.stdout.readline() if child.stdout else ""
        display = json.loads(line)["display"]
        tree = descendants(child.pid)
        assert set(display) <= tree and len(display) >= 2
        assert len(tree) > len(display)  # Chromium's helpers and the push's ffmpeg too
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(running(pid) for pid in tree):
            time.sleep(0.2)
        left = {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:80] for pid in tree if running(pid)}
        assert not left, left
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
