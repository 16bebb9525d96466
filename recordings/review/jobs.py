"""RQ jobs of moderation (queue `media`): each takes a primary key and calls one service.

Enqueueing lives in recordings/review/enqueue.py, which the services use, so this module may import them.
"""

from __future__ import annotations

from recordings.models import CheckState
from recordings.review.enqueue import enqueue_transcript_poll
from recordings.review.services import checks as review_checks
from recordings.review.services import recognition as review_recognition


def run_qa_checks(file_pk: int) -> str:
    return review_checks.qa_checks_run(file_pk=file_pk).state


def poll_transcript(transcript_pk: int) -> str:
    """Poll MPS for a recognition task until it finished (re-queues itself while it runs)."""
    transcript = review_recognition.transcript_refresh(transcript_pk=transcript_pk)
    if transcript.state == CheckState.RUNNING:
        enqueue_transcript_poll(transcript_pk, delay=review_recognition.POLL_EVERY)
    return transcript.state
