"""Real ffmpeg media: a small live stream, recordings assembled from it, snapshots, probing and process hygiene."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from emulator import media
from emulator.assembly import assemble_recording
from emulator.media import LiveStream, MediaError, probe

pytestmark = pytest.mark.slow

WIDTH, HEIGHT, FPS = 320, 180, 25
LIVE_SECONDS = 5.0


def small_stream(root: Path, name: str, **kwargs: object) -> LiveStream:
    options: dict = {"width": WIDTH, "height": HEIGHT, "fps": FPS, "video_kbps": 300, "segment_seconds": 1.0}
    options.update(kwargs)
    return LiveStream(
        root=root, app="live", stream=name, title_lines=["app demo / room 7", f"UserId {name}"], **options
    )


def processes_in(directory: Path) -> list[int]:
    """PIDs of processes whose working directory is `directory` (ffmpeg runs there)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == directory.resolve():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStream]:
    """One stream for the module, live for LIVE_SECONDS before the first test uses it."""
    stream = small_stream(tmp_path_factory.mktemp("live"), "user-live")
    stream.start()
    time.sleep(max(0.0, stream.started_at + LIVE_SECONDS - time.time()))
    yield stream
    stream.stop()


def test_live_stream_writes_segments_in_real_time(live: LiveStream) -> None:
    elapsed = time.time() - live.started_at
    segments = live.segments_between(live.started_at)

    assert live.is_alive()
    assert elapsed - 1.5 <= len(segments) <= elapsed + 1.5
    assert all(s.path.is_file() and s.path.parent == live.playlist_path.parent for s in segments)
    starts = [s.started_at for s in segments]
    assert all(0.9 <= b - a <= 1.1 for a, b in pairwise(starts))
    assert abs(segments[-1].ended_at - time.time()) < 2.5
    playlist = live.playlist_path.read_text()
    assert playlist.startswith("#EXTM3U")
    assert "#EXT-X-PROGRAM-DATE-TIME:" in playlist
    assert "#EXT-X-ENDLIST" not in playlist


def test_segments_between_selects_overlapping_segments(live: LiveStream) -> None:
    segments = live.segments_between(live.started_at)
    middle = segments[2]

    assert live.segments_between(middle.started_at + 0.1, middle.ended_at - 0.1) == [middle]
    assert live.segments_between(segments[1].ended_at - 0.1, segments[3].started_at + 0.1) == segments[1:4]
    assert live.segments_between(time.time() + 60) == []


def test_sample_measures_the_real_stream(live: LiveStream) -> None:
    sample = live.sample()

    assert (sample.width, sample.height) == (WIDTH, HEIGHT)
    assert (sample.video_codec, sample.audio_codec) == ("h264", "aac")
    assert sample.fps == pytest.approx(FPS, rel=0.1)
    assert 50_000 < sample.video_bps < 1_000_000
    assert 60_000 < sample.audio_bps < 140_000
    assert abs(sample.at - time.time()) < 5


def test_snapshot_is_a_real_jpeg(live: LiveStream, tmp_path: Path) -> None:
    out = live.snapshot_jpeg(tmp_path / "snapshots" / "frame.jpg")

    data = out.read_bytes()
    assert out == tmp_path / "snapshots" / "frame.jpg"
    assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"
    assert len(data) > 2000
    assert list(out.parent.iterdir()) == [out]


def test_mp4_recording_covers_the_wall_clock_span(live: LiveStream, tmp_path: Path) -> None:
    segments = live.segments_between(live.started_at)
    span = segments[-1].ended_at - segments[0].started_at

    paths, info = assemble_recording(segments=segments, out_dir=tmp_path, basename="rec", fmt="mp4")

    assert paths == [tmp_path / "rec.mp4"]
    assert info.duration_s == pytest.approx(span, rel=0.1)
    assert (info.video_codec, info.audio_codec, info.width, info.height) == ("h264", "aac", WIDTH, HEIGHT)
    assert info.size_bytes == paths[0].stat().st_size
    head = paths[0].read_bytes()
    assert head[4:8] == b"ftyp"
    assert head.index(b"moov") < head.index(b"mdat")  # +faststart
    assert probe(paths[0]) == info


def test_hls_recording_is_a_playable_vod_playlist(live: LiveStream, tmp_path: Path) -> None:
    segments = live.segments_between(live.started_at)[:4]

    paths, info = assemble_recording(segments=segments, out_dir=tmp_path / "hls", basename="rec", fmt="hls")

    playlist, *parts = paths
    assert playlist == tmp_path / "hls" / "rec.m3u8"
    text = playlist.read_text()
    assert text.startswith("#EXTM3U") and text.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text
    assert [line for line in text.splitlines() if not line.startswith("#")] == [p.name for p in parts]
    assert len(parts) == 4 and all(p.is_file() for p in parts)
    assert info.duration_s == pytest.approx(sum(s.duration_s for s in segments), rel=0.05)
    assert info.size_bytes == sum(p.stat().st_size for p in paths)
    assert (info.video_codec, info.width, info.height) == ("h264", WIDTH, HEIGHT)


def test_flv_and_aac_recordings(live: LiveStream, tmp_path: Path) -> None:
    segments = live.segments_between(live.started_at)[:3]

    [flv], flv_info = assemble_recording(segments=segments, out_dir=tmp_path, basename="rec", fmt="flv")
    [aac], aac_info = assemble_recording(segments=segments, out_dir=tmp_path, basename="rec", fmt="aac")

    assert flv.read_bytes()[:3] == b"FLV"
    adts = aac.read_bytes()
    assert adts[0] == 0xFF and adts[1] & 0xF0 == 0xF0  # ADTS sync word
    assert (flv_info.video_codec, flv_info.audio_codec) == ("h264", "aac")
    assert flv_info.duration_s == pytest.approx(3.0, rel=0.1)
    assert (aac_info.video_codec, aac_info.audio_codec, aac_info.width) == ("", "aac", 0)
    assert aac_info.duration_s == pytest.approx(3.0, rel=0.1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.aac", "rec.flv"]


def test_assemble_rejects_bad_input(live: LiveStream, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        assemble_recording(
            segments=live.segments_between(live.started_at), out_dir=tmp_path, basename="r", fmt="avi"
        )
    with pytest.raises(ValueError, match="segment"):
        assemble_recording(segments=[], out_dir=tmp_path, basename="r", fmt="mp4")


def test_probe_rejects_a_file_that_is_not_media(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(MediaError):
        probe(junk)


def test_die_after_stops_the_stream_by_itself(tmp_path: Path) -> None:
    stream = small_stream(tmp_path, "user-dies", die_after_s=1.5)
    stream.start()
    assert stream.is_alive()

    deadline = time.time() + 5
    while stream.is_alive() and time.time() < deadline:
        time.sleep(0.1)

    assert not stream.is_alive()
    assert time.time() - stream.started_at < 4
    assert processes_in(stream.playlist_path.parent) == []
    stream.stop()


def test_stop_leaves_no_process_and_keeps_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Without a font the stream still runs, just without text.
    monkeypatch.setattr(media, "find_font", lambda: None)
    stream = small_stream(tmp_path, "user-stops")
    stream.start()
    directory = stream.playlist_path.parent
    pid = int((directory / "ffmpeg.pid").read_text())
    assert processes_in(directory) == [pid]
    assert "no TrueType font found" in caplog.text

    stream.stop()
    stream.stop()

    assert not stream.is_alive()
    assert processes_in(directory) == []
    assert not Path(f"/proc/{pid}").exists()
    assert stream.playlist_path.read_text().rstrip().endswith("#EXT-X-ENDLIST")
    assert all(s.path.is_file() for s in stream.segments_between(stream.started_at))


def test_restarting_a_stream_name_replaces_the_previous_push(tmp_path: Path) -> None:
    first = small_stream(tmp_path, "user-again")
    first.start()
    directory = first.playlist_path.parent
    first_pid = int((directory / "ffmpeg.pid").read_text())
    # A second LiveStream for the same name (e.g. after an emulator crash) takes the directory over.
    second = small_stream(tmp_path, "user-again")
    second.start()
    try:
        second_pid = int((directory / "ffmpeg.pid").read_text())
        assert processes_in(directory) == [second_pid] != [first_pid]
        assert second.is_alive() and not first.is_alive()
        first_segments = first.segments_between(0)

        first.stop()  # must not touch the files of the push that replaced it
        time.sleep(1.2)

        assert (directory / "ffmpeg.pid").read_text() == str(second_pid)
        assert first.segments_between(0) == first_segments
        assert second.is_alive()
    finally:
        second.stop()
