"""MPS content recognition through the gateway, against the emulator (the unmodified SDK on the wire)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tencent import mps
from tencent.errors import TencentError
from tencent.models import ApiCall

pytestmark = pytest.mark.django_db


def wait_finished(task_id: str) -> mps.RecognitionTask:
    deadline = time.monotonic() + 10
    while True:
        task = mps.describe_task(task_id=task_id)
        if task.is_finished or time.monotonic() > deadline:
            return task
        time.sleep(0.2)


def test_recognition_returns_timed_speech_and_screen_text(emu: Any) -> None:
    task_id = mps.process_media_recognition(
        input_url="https://example.com/a/b/clip.mp4", session_context="file-7"
    )
    assert task_id.startswith("2600000000-WorkflowTask-")
    first = mps.describe_task(task_id=task_id)
    assert first.status == "PROCESSING" and first.segments == []

    task = wait_finished(task_id)
    assert task.is_finished and not task.failed and task.finished_at is not None
    sources = {segment.source for segment in task.segments}
    assert sources == {"asr", "ocr"}
    assert all(0 <= s.start_s <= s.end_s <= 60 for s in task.segments)
    assert [s.start_s for s in task.segments] == sorted(s.start_s for s in task.segments)
    assert any("CNR emulator test stream" in s.text for s in task.segments if s.source == "ocr")
    assert ApiCall.objects.filter(service="mps", action="ProcessMedia", outcome="ok").count() == 1


def test_process_media_is_not_retried_but_describe_is(emu: Any) -> None:
    emu.inject_fault("ProcessMedia", code="InternalError", message="boom", count=1)
    with pytest.raises(TencentError) as caught:
        mps.process_media_recognition(input_url="https://example.com/clip.mp4")
    assert caught.value.is_code("InternalError")
    assert ApiCall.objects.filter(action="ProcessMedia").count() == 1

    task_id = mps.process_media_recognition(input_url="https://example.com/clip.mp4")
    emu.inject_fault("DescribeTaskDetail", code="InternalError", message="boom", count=1)
    assert mps.describe_task(task_id=task_id).task_id == task_id
    attempts = list(ApiCall.objects.filter(action="DescribeTaskDetail").values_list("attempt", "outcome"))
    assert sorted(attempts) == [(1, "error"), (2, "ok")]


def test_unknown_task_is_a_clear_error(emu: Any) -> None:
    with pytest.raises(TencentError) as caught:
        mps.describe_task(task_id="2600000000-WorkflowTask-nope")
    assert caught.value.is_code("InvalidParameterValue.TaskId")
