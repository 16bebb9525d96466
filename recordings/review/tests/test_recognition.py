"""Recognition through MPS (emulated): a moderator asks for it, the poll job stores the timed transcript, the review
page lists it as searchable lines that seek the player."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.urls import reverse

from dashboard.models import AuditEntry
from recordings.models import CheckState, Transcript, TranscriptSegment
from recordings.review import enqueue as review_enqueue
from recordings.review import jobs as review_jobs
from recordings.review.services import recognition as review_recognition
from recordings.review.tests.media import make_clip, serve_from_emulator
from recordings.review.tests.support import make_file
from tencent.models import ApiCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def recognition_on(settings: Any) -> Any:
    settings.MPS_RECOGNITION_ENABLED = True
    return settings


def served_file(emulator: Any, tmp_path: Path, seconds: float = 12) -> Any:
    clip = make_clip(tmp_path / "talk.mp4", seconds=seconds)
    url = serve_from_emulator(emulator, clip, file_id="5285890000000201")
    return make_file(url=url, file_id="5285890000000201", duration_s=seconds)


def test_moderator_gets_a_timed_transcript(
    client_as: Any,
    moderator: Any,
    emulator: Any,
    recognition_on: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    queue = django_rq.get_queue(review_enqueue.QUEUE)
    queue.empty()
    recording = served_file(emulator, tmp_path)
    client = client_as(moderator)
    page = client.get(reverse("recordings:review_file", args=[recording.pk])).content.decode()
    assert 'data-testid="recognize"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recordings:review_recognize", args=[recording.pk]), follow=True)
    assert "Recognition started" in response.content.decode()
    transcript = Transcript.objects.get(file=recording)
    assert transcript.state == CheckState.RUNNING and transcript.task_id
    assert queue.scheduled_job_registry.get_job_ids(), "the poll job is scheduled"
    request = ApiCall.objects.get(action="ProcessMedia").request
    assert "/vod/" in request["InputInfo"]["UrlInputInfo"]["Url"]

    deadline = time.monotonic() + 10
    while transcript.state == CheckState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.3)
        transcript = review_recognition.transcript_refresh(transcript_pk=transcript.pk)
    assert transcript.state == CheckState.DONE, transcript.error

    segments = list(TranscriptSegment.objects.filter(transcript=transcript))
    assert {s.source for s in segments} == {"asr", "ocr"}
    # The emulator probed the real 12 s clip: every segment lies inside it.
    assert max(s.end_s for s in segments) == pytest.approx(12, abs=0.2)
    assert (
        AuditEntry.objects.filter(action__in=["review.recognition", "review.recognition_done"]).count() == 2
    )

    page = client.get(reverse("recordings:review_file", args=[recording.pk])).content.decode()
    first_speech = next(s for s in segments if s.source == "asr")
    assert f'data-seek="{first_speech.start_s:f}" data-searchable' in page and first_speech.text in page
    assert 'data-testid="recognize"' not in page
    for job_id in queue.scheduled_job_registry.get_job_ids():
        queue.scheduled_job_registry.remove(job_id, delete_job=True)


def test_disabled_recognition_changes_nothing(client_as: Any, moderator: Any, settings: Any) -> None:
    settings.MPS_RECOGNITION_ENABLED = False
    recording = make_file()
    page = client_as(moderator).get(reverse("recordings:review_file", args=[recording.pk])).content.decode()
    assert 'data-testid="recognize"' not in page
    response = client_as(moderator).post(
        reverse("recordings:review_recognize", args=[recording.pk]), follow=True
    )
    assert "not enabled" in response.content.decode()
    assert not Transcript.objects.exists() and not ApiCall.objects.exists()


@pytest.mark.parametrize("role", ["operator", "manager"])
def test_only_moderators_ask_for_recognition(
    client_as: Any, role_user: Any, recognition_on: Any, role: str
) -> None:
    recording = make_file()
    assert (
        client_as(role_user(role))
        .post(reverse("recordings:review_recognize", args=[recording.pk]))
        .status_code
        == 403
    )


def test_mps_refusal_is_a_message_and_stores_nothing(
    client_as: Any, moderator: Any, emulator: Any, recognition_on: Any, tmp_path: Path
) -> None:
    recording = served_file(emulator, tmp_path, seconds=2)
    emulator.inject_fault(
        "ProcessMedia", code="FailedOperation.InvalidMpsUser", message="MPS is not activated", count=1
    )
    response = client_as(moderator).post(
        reverse("recordings:review_recognize", args=[recording.pk]), follow=True
    )
    assert "MPS is not activated" in response.content.decode()
    assert not Transcript.objects.exists()


def test_failed_task_is_recorded_and_can_be_asked_again(
    moderator: Any, emulator: Any, recognition_on: Any, tmp_path: Path
) -> None:
    recording = served_file(emulator, tmp_path, seconds=2)
    transcript = Transcript.objects.create(
        file=recording, task_id="2600000000-WorkflowTask-gone", state=CheckState.RUNNING
    )
    refreshed = review_recognition.transcript_refresh(transcript_pk=transcript.pk)
    assert refreshed.state == CheckState.FAILED and "does not exist" in refreshed.error
    again = review_recognition.transcript_request(file_pk=recording.pk, actor=moderator)
    assert (
        again.pk == transcript.pk
        and again.state == CheckState.RUNNING
        and again.task_id != "2600000000-WorkflowTask-gone"
    )


def test_poll_job_requeues_itself_while_mps_works(
    emulator: Any, recognition_on: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from tencent import mps

    queue = django_rq.get_queue(review_enqueue.QUEUE)
    registry = queue.scheduled_job_registry
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)
    recording = served_file(emulator, tmp_path, seconds=2)
    task_id = mps.process_media_recognition(input_url=recording.url)
    transcript = Transcript.objects.create(file=recording, task_id=task_id, state=CheckState.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        assert review_jobs.poll_transcript(transcript.pk) == CheckState.RUNNING
    assert len(registry.get_job_ids()) == 1
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)
