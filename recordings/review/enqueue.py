"""Enqueueing moderation's jobs on the `media` queue (recordings/review/jobs.py holds their bodies).

The callback, sync and review services queue checks from here without importing the checks themselves (ffmpeg
handling) or the module that calls them: the jobs are named by their dotted path.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import django_rq
from django.db import transaction

from recordings.models import QaCheck

logger = logging.getLogger(__name__)
QUEUE = "media"
RUN_QA_CHECKS = "recordings.review.jobs.run_qa_checks"
POLL_TRANSCRIPT = "recordings.review.jobs.poll_transcript"


def enqueue_qa_checks(file_pk: int) -> None:
    """Queue the checks of a newly arrived file once the transaction that created it commits."""
    QaCheck.objects.get_or_create(file_id=file_pk)

    def enqueue() -> None:
        try:
            django_rq.get_queue(QUEUE).enqueue(RUN_QA_CHECKS, file_pk)
        except Exception:  # Redis down must not fail the callback that found the file; a re-run is one click.
            logger.exception("Could not queue the QA checks of file %s", file_pk)

    transaction.on_commit(enqueue)


def enqueue_transcript_poll(transcript_pk: int, *, delay: timedelta) -> None:
    transaction.on_commit(
        lambda: django_rq.get_queue(QUEUE).enqueue_in(delay, POLL_TRANSCRIPT, transcript_pk)
    )
