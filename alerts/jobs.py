"""The RQ job of alerts, registered in recordings/cron.py: it takes nothing and reads everything from the
database, so a run missed while Redis was down is made good by the next one."""

from __future__ import annotations

from dataclasses import asdict


def evaluate_alerts() -> dict[str, int]:
    from alerts.services import alerts_evaluate

    return asdict(alerts_evaluate())
