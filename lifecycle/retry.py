"""Retrying a failed lifecycle action from Needs attention: the file's retention is applied again by the same
job a new file gets (lifecycle.jobs.apply_to_file), which clears the failure when Tencent accepts."""

from __future__ import annotations

import django_rq
from django.contrib.auth.models import User

from dashboard import audit
from lifecycle.enqueue import APPLY_TO_FILE, QUEUE
from lifecycle.models import FileLifecycle


def file_lifecycle_retry(*, state: FileLifecycle, actor: User) -> None:
    """Audit the request, then queue the file's retention (when the transaction commits: django-rq's default;
    raises when the queue cannot be reached)."""
    audit.record(
        actor=actor,
        action="retention.retry",
        obj=state.file,
        changes={"last_error": state.last_error, "failures": state.failures},
    )
    django_rq.get_queue(QUEUE).enqueue(APPLY_TO_FILE, state.file_id, result_ttl=0)
