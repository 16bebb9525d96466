"""RQ jobs of moderation (queue `media`): each takes a primary key and calls one service.

Imports of the services are deferred so that the callback and sync paths can queue a job without importing
ffmpeg handling (and without an import cycle through the files service).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import django_rq
from django.db import transaction

from recordings.models import QaCheck

logger = logging.getLogger(__name__)
QUEUE = "media"


def run_qa_checks(file_pk: int) -> str:
    from recordings.services.review_checks import qa_checks_run

    return qa_checks_run(file_pk=file_pk).state


def enqueue_qa_checks(file_pk: int) -> None:
    """Queue the checks of a newly arrived file once the transaction that created it commits."""
    QaCheck.objects.get_or_create(file_id=file_pk)

    def enqueue() -> None:
        try:
            django_rq.get_queue(QUEUE).enqueue(run_qa_checks, file_pk)
        except Exception:  # Redis down must not fail the callback that found the file; a re-run is one click.
            logger.exception("Could not queue the QA checks of file %s", file_pk)

    transaction.on_commit(enqueue)


def poll_transcript(transcript_pk: int) -> str:
    """Poll MPS for a recognition task until it finished (re-queues itself while it runs)."""
    from recordings.models import CheckState
    from recordings.services.review_recognition import POLL_EVERY, transcript_refresh

    transcript = transcript_refresh(transcript_pk=transcript_pk)
    if transcript.state == CheckState.RUNNING:
        enqueue_transcript_poll(transcript_pk, delay=POLL_EVERY)
    return transcript.state


def enqueue_transcript_poll(transcript_pk: int, *, delay: timedelta) -> None:
    transaction.on_commit(
        lambda: django_rq.get_queue(QUEUE).enqueue_in(delay, poll_transcript, transcript_pk)
    )
