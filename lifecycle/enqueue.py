"""Queueing the storage lifecycle's jobs (bodies in lifecycle/jobs.py, named by dotted path)."""

from __future__ import annotations

import logging
from typing import Any

import django_rq
from django.db import transaction
from django.db.models import Q

from lifecycle.models import RetentionPolicy

logger = logging.getLogger(__name__)
QUEUE = "default"
APPLY_TO_FILE = "lifecycle.jobs.apply_to_file"


def file_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """post_save of RecordingFile: a new file under a policy gets its ExpireTime (and class) right away."""
    if not created or instance.room_id is None:
        return
    room = instance.room
    if not RetentionPolicy.objects.filter(
        Q(room_id=room.pk) | Q(client_app_id=room.client_app_id, room=None)
    ).exists():
        return
    file_pk = instance.pk

    def enqueue() -> None:
        try:
            django_rq.get_queue(QUEUE).enqueue(APPLY_TO_FILE, file_pk, result_ttl=0)
        except (
            Exception
        ):  # Redis down must not fail the callback that found the file; the daily run catches up.
            logger.exception("Could not queue the retention of file %s", file_pk)

    transaction.on_commit(enqueue)
