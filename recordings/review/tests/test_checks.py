"""Automatic checks on real media made with ffmpeg, read through the emulator's signed VOD URLs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.utils import timezone

from dashboard.models import AuditEntry
from recordings.models import CheckState, FlagKind, QaCheck, QaFlag
from recordings.review import enqueue as review_enqueue
from recordings.review.services import checks as review_checks
from recordings.review.services.checks import parse_ffmpeg_output
from recordings.review.tests.media import make_clip, serve_from_emulator
from recordings.review.tests.support import make_file, make_room, make_session

pytestmark = pytest.mark.django_db


def flags_of(recording: Any) -> list[tuple[str, float | None, float | None]]:
    return [(f.kind, f.start_s, f.end_s) for f in QaFlag.objects.filter(file=recording).order_by("kind")]


def test_black_and_silent_stretch_is_flagged_at_the_right_time(emulator: Any, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=6, black=(2, 4), silent=(2, 4))
    url = serve_from_emulator(emulator, clip, file_id="5285890000000001")
    recording = make_file(url=url, file_id="5285890000000001", duration_s=6)

    check = review_checks.qa_checks_run(file_pk=recording.pk)

    assert check.state == CheckState.DONE, check.error
    assert check.has_video and check.has_audio
    assert check.measured_duration_s == pytest.approx(6, abs=0.1)
    flags = flags_of(recording)
    assert [kind for kind, _, _ in flags] == [
        FlagKind.BLACK,
        FlagKind.SILENCE,
    ]  # the black stretch is not "frozen"
    for _kind, start, end in flags:
        assert start == pytest.approx(2, abs=0.1) and end == pytest.approx(4, abs=0.1)
    assert AuditEntry.objects.get(action="review.qa_checks").changes["flags"] == ["black", "silence"]


def test_a_clean_file_has_no_flags_and_a_rerun_replaces_old_ones(emulator: Any, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clean.mp4", seconds=4)
    recording = make_file(url=serve_from_emulator(emulator, clip, file_id="5285890000000002"), duration_s=4)
    QaFlag.objects.create(file=recording, kind=FlagKind.BLACK, start_s=0, end_s=1)
    assert review_checks.qa_checks_run(file_pk=recording.pk).state == CheckState.DONE
    assert flags_of(recording) == []


def test_missing_audio_and_a_frozen_picture(tmp_path: Path) -> None:
    # 4 s of moving picture with the frame at 1 s held for 2.5 s more, no audio track; read from a local path.
    clip = make_clip(tmp_path / "frozen.mp4", seconds=4, freeze_at=1, freeze_frames=62, audio=False)
    recording = make_file(url=str(clip), duration_s=6.5)
    check = review_checks.qa_checks_run(file_pk=recording.pk)
    assert check.has_audio is False
    flags = flags_of(recording)
    assert [kind for kind, _, _ in flags] == [FlagKind.FROZEN, FlagKind.NO_AUDIO]
    assert flags[0][1] == pytest.approx(1.0, abs=0.15) and flags[0][2] == pytest.approx(3.5, abs=0.2)


def test_duration_is_compared_with_the_sessions_plan(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "short.mp4", seconds=3)
    start = timezone.now() - timedelta(hours=1)
    short_session = make_session(make_room(), start=start, minutes=10)
    recording = make_file(session=short_session, url=str(clip), duration_s=3)
    review_checks.qa_checks_run(file_pk=recording.pk)
    flag = QaFlag.objects.get(file=recording)
    assert flag.kind == FlagKind.DURATION and "recorded 3 s of 600 s planned" in flag.detail

    on_plan = make_session(make_room(), start=start, minutes=0.25)  # 15 s planned, 3 s recorded: within 15 s
    fine = make_file(session=on_plan, url=str(clip), duration_s=3)
    review_checks.qa_checks_run(file_pk=fine.pk)
    assert not QaFlag.objects.filter(file=fine).exists()


def test_unreadable_file_fails_the_check_with_a_reason(emulator: Any) -> None:
    recording = make_file(url=f"{emulator.base_url}/vod/{emulator.config.vod_app_id}/404/missing.mp4")
    check = review_checks.qa_checks_run(file_pk=recording.pk)
    assert check.state == CheckState.FAILED
    assert "404" in check.error or "Not Found" in check.error or "No such" in check.error


def test_parse_keeps_a_stretch_running_to_the_end() -> None:
    stderr = (
        "Duration: 00:00:10.00, start: 0.000000\n"
        "  Stream #0:0[0x1](und): Video: h264\n  Stream #0:1[0x2](und): Audio: aac\nStream mapping:\n"
        "[silencedetect @ 0x1] silence_start: 7.5\n"
    )
    report = parse_ffmpeg_output(stderr)
    assert [(f.kind, f.start_s, f.end_s) for f in report.findings] == [(FlagKind.SILENCE, 7.5, 10.0)]


def test_a_new_file_queues_its_checks_on_commit(django_capture_on_commit_callbacks: Any) -> None:
    queue = django_rq.get_queue(review_enqueue.QUEUE)
    queue.empty()
    recording = make_file()
    with django_capture_on_commit_callbacks(execute=True):
        review_enqueue.enqueue_qa_checks(recording.pk)
    assert QaCheck.objects.get(file=recording).state == CheckState.QUEUED
    jobs = queue.get_jobs()
    assert [(job.func_name, job.args) for job in jobs] == [
        ("recordings.review.jobs.run_qa_checks", (recording.pk,))
    ]
    queue.empty()


def test_a_cos_file_is_read_through_its_presigned_url(emulator: Any, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "cos.mp4", seconds=5, silent=(1, 3))
    key = "record/stage-7/cos.mp4"
    emulator.app.cos.stage(key=key, path=clip)
    emulator.app.cos.publish(key)
    recording = make_file(cos_key=key, url=f"https://bucket.cos.example.com/{key}")

    check = review_checks.qa_checks_run(file_pk=recording.pk)

    assert check.state == CheckState.DONE, check.error
    (flag,) = flags_of(recording)
    assert flag[0] == FlagKind.SILENCE
    assert flag[1] == pytest.approx(1, abs=0.1) and flag[2] == pytest.approx(3, abs=0.1)
