"""RQ job bodies of the storage lifecycle (registered in lifecycle/cron.py)."""

from __future__ import annotations

import logging

from lifecycle.services import retention_apply

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
