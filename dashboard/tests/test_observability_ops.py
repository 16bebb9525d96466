"""The Grafana dashboard and the Prometheus alert rules in ops/ parse, and every metric they use is exported."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from dashboard.observability import metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "ops" / "grafana" / "cnr-console.json"
RULES = ROOT / "ops" / "prometheus" / "cnr-alerts.yml"
METRIC = re.compile(r"\bcnr_[a-z0-9_]+")


@pytest.fixture
def exported(client, db) -> Iterator[set[str]]:
    """Every sample name /metrics shows once each in-code metric has seen one event and cron has reported."""
    connection = redis.Redis.from_url(settings.REDIS_URL)
    connection.zadd("rq:cron_schedulers", {"ops-test": time.time()})
    metrics.tencent_call({"service": "car", "action": "CreateSession", "outcome": "ok", "duration_ms": 5})
    metrics.throttle_wait(action="CreateSession", seconds=0.01)
    metrics.callback(event_type=1, result="stored", lag_seconds=1.0)
    response = client.get("/metrics")
    connection.zrem("rq:cron_schedulers", "ops-test")
    assert response.status_code == 200
    yield {
        sample.name
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "cnr-console" and dashboard["panels"]
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]


def rules() -> list[dict[str, object]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_dashboard_shows_only_exported_metrics(exported):
    expressions = dashboard_expressions()
    assert len(expressions) >= 20
    used = {name for expr in expressions for name in METRIC.findall(expr)}
    assert used - exported == set()
    # Every family the console exports has a panel.
    families = {re.sub(r"_(bucket|sum|count)$", "", name) for name in exported if name.startswith("cnr_")}
    shown = {re.sub(r"_(bucket|sum|count)$", "", name) for name in used}
    assert families - shown == set()


def test_alert_rules_are_complete_and_use_exported_metrics(exported):
    all_rules = rules()
    assert len(all_rules) >= 15
    names = [rule["alert"] for rule in all_rules]
    assert len(names) == len(set(names))
    for rule in all_rules:
        assert isinstance(rule["expr"], str) and rule["expr"].strip()
        assert rule["labels"]["severity"] in {"critical", "warning"}  # type: ignore[index]
        assert rule["annotations"]["summary"]  # type: ignore[index]
        assert set(METRIC.findall(rule["expr"])) - exported == set(), rule["alert"]
