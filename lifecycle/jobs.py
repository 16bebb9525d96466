"""RQ job bodies of the storage lifecycle (registered in lifecycle/cron.py)."""

from __future__ import annotations

import logging

from lifecycle.events import vod_events_reconcile
from lifecycle.services import retention_apply, retention_apply_file

logger = logging.getLogger(__name__)
QUEUE = "default"


def apply_retention() -> dict[str, int]:
    """The daily run: every file with a policy or a hold brought to what its policy wants today."""
    report = retention_apply()
    logger.info(
        "retention: %s files, %s expiries set, %s moved, %s deleted, %s failed",
        report.files,
        report.expiries_set,
        report.moved,
        report.deleted,
        report.failed,
    )
    return {
        "files": report.files,
        "expiries_set": report.expiries_set,
        "moved": report.moved,
        "deleted": report.deleted,
        "failed": report.failed,
    }


def apply_to_file(file_pk: int) -> None:
    report = retention_apply_file(file_pk=file_pk)
    if report.failed:
        logger.warning("retention of new file %s failed (the daily run retries): %s", file_pk, report.errors)


def reconcile_vod_events() -> int:
    """Files Tencent deleted at their ExpireTime, restores it finished: the console's records follow."""
    return vod_events_reconcile()
