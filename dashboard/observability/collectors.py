"""Metrics read at scrape time from PostgreSQL and Redis: what the database already knows is never counted twice.

A scrape costs a fixed number of queries whatever the data (tests count them): one aggregate over recording
sessions (states are grouped in a second), one each for the reconciliation's attention items, the review queue,
live pushes, the webhook outbox, the alert outbox and open alerts, and three pipelined Redis round trips. Labels take only bounded values: states, kinds and queue names.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

START_BUCKETS = (5, 10, 20, 30, 60, 120, 300, 600)
STOP_BUCKETS = (10, 30, 60, 120, 300, 600, 1800, 3600)
# An open session whose next step is this late was not picked up by any worker (the tick re-enqueues after 30 s).
OVERDUE_AFTER = timedelta(minutes=2)
CRON_REGISTRY_KEY = "rq:cron_schedulers"


@dataclass
class QueueState:
    name: str
    queued: int = 0
    oldest_enqueued_at: datetime | None = None
    started: int = 0
    failed: int = 0
    scheduled: int = 0
    workers: int = 0


@dataclass
class RedisState:
    up: bool
    error: str = ""
    queues: list[QueueState] = field(default_factory=list)
    cron_heartbeat_at: float | None = None  # unix seconds of the newest RQ cron scheduler heartbeat


def redis_client() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def redis_state(client: Any | None = None) -> RedisState:
    """Queues, workers alive per queue and the cron heartbeat, in three pipelined round trips."""
    import redis

    client = client or redis_client()
    names = list(settings.RQ_QUEUES)
    try:
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(f"rq:queue:{name}")
                pipe.lindex(f"rq:queue:{name}", 0)
                pipe.zcard(f"rq:wip:{name}")
                pipe.zcard(f"rq:failed:{name}")
                pipe.zcard(f"rq:scheduled:{name}")
                pipe.smembers(f"rq:workers:{name}")
            pipe.zrange(CRON_REGISTRY_KEY, -1, -1, withscores=True)
            replies = pipe.execute()
        queues: list[QueueState] = []
        heads: list[tuple[QueueState, str]] = []
        worker_keys: list[tuple[QueueState, list[str]]] = []
        for i, name in enumerate(names):
            queued, head, started, failed, scheduled, workers = replies[i * 6 : i * 6 + 6]
            state = QueueState(name=name, queued=queued, started=started, failed=failed, scheduled=scheduled)
            queues.append(state)
            if head:
                heads.append((state, head.decode() if isinstance(head, bytes) else head))
            worker_keys.append((state, [k.decode() if isinstance(k, bytes) else k for k in workers]))
        cron = replies[-1]
        # A registered worker whose key has expired died without unregistering (SIGKILL): not alive.
        with client.pipeline(transaction=False) as pipe:
            for _, head_id in heads:
                pipe.hget(f"rq:job:{head_id}", "enqueued_at")
            for _, keys in worker_keys:
                for key in keys:
                    pipe.exists(key)
            replies = pipe.execute()
        for (state, _), raw in zip(heads, replies[: len(heads)], strict=True):
            state.oldest_enqueued_at = _rq_time(raw)
        alive = iter(replies[len(heads) :])
        for state, keys in worker_keys:
            state.workers = sum(1 for _ in keys if next(alive))
    except redis.RedisError as exc:
        return RedisState(up=False, error=str(exc) or type(exc).__name__)
    return RedisState(up=True, queues=queues, cron_heartbeat_at=float(cron[0][1]) if cron else None)


def _rq_time(raw: bytes | str | None) -> datetime | None:
    if not raw:
        return None
    text = raw.decode() if isinstance(raw, bytes) else raw
    try:
        return datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
    except ValueError:
        return None


def _histogram(name: str, doc: str, row: dict[str, Any], prefix: str, bounds: Iterable[int]) -> Metric:
    buckets = [(f"{float(b)}", row[f"{prefix}_le_{b}"]) for b in bounds]
    total = row[f"{prefix}_count"]
    buckets.append(("+Inf", total))
    spent = row[f"{prefix}_sum"]
    return HistogramMetricFamily(
        name, doc, buckets=buckets, sum_value=spent.total_seconds() if spent is not None else 0.0
    )


def session_metrics(now: datetime) -> Iterator[Metric]:
    from recordings.models import RecordingSession
    from recordings.sessions.lifecycle import OPEN_STATES, SessionState

    states = GaugeMetricFamily("cnr_recordings", "Recording sessions by state.", labels=["state"])
    counts = RecordingSession.objects.state_counts()
    for state in SessionState:
        states.add_metric([state.value], counts.get(state.value, 0))
    yield states

    started = Q(stream_live_at__isnull=False)
    stopped = Q(state=SessionState.COMPLETED, stop_requested_at__isnull=False, completed_at__isnull=False)
    aggregates: dict[str, Any] = {
        "start_count": Count("id", filter=started),
        "start_sum": Sum("start_latency", filter=started),
        "stop_count": Count("id", filter=stopped),
        "stop_sum": Sum("stop_latency", filter=stopped),
        "overdue": Count("id", filter=Q(state__in=OPEN_STATES, next_attempt_at__lt=now - OVERDUE_AFTER)),
        "stream_lost": Count("id", filter=Q(state=SessionState.RECORDING, stream_lost_at__isnull=False)),
        "repairs": Sum("repairs"),
    }
    for b in START_BUCKETS:
        aggregates[f"start_le_{b}"] = Count("id", filter=started & Q(start_latency__lte=timedelta(seconds=b)))
    for b in STOP_BUCKETS:
        aggregates[f"stop_le_{b}"] = Count("id", filter=stopped & Q(stop_latency__lte=timedelta(seconds=b)))
    row = RecordingSession.objects.annotate(
        start_latency=ExpressionWrapper(
            F("stream_live_at") - Greatest("planned_start", "created_at"), output_field=DurationField()
        ),
        stop_latency=ExpressionWrapper(
            F("completed_at") - F("stop_requested_at"), output_field=DurationField()
        ),
    ).aggregate(**aggregates)
    yield _histogram(
        "cnr_recording_start_latency_seconds",
        "From when a recording was due (its planned start, or its creation if later) to its stream being live.",
        row,
        "start",
        START_BUCKETS,
    )
    yield _histogram(
        "cnr_recording_stop_latency_seconds",
        "From a stop being asked for to the recording's files being found (completed recordings).",
        row,
        "stop",
        STOP_BUCKETS,
    )
    yield GaugeMetricFamily(
        "cnr_recordings_overdue",
        "Open recordings whose next step is more than 2 minutes late (no worker picked them up).",
        value=row["overdue"],
    )
    yield GaugeMetricFamily(
        "cnr_recordings_stream_lost",
        "Recordings whose stream is currently lost (being repaired).",
        value=row["stream_lost"],
    )
    yield CounterMetricFamily(
        "cnr_recording_stream_repairs",
        "Stream repairs made while recording, summed over all recordings.",
        value=row["repairs"] or 0,
    )


def attention_metrics() -> Iterator[Metric]:
    from recordings.models import Attention, AttentionKind

    rows: dict[str, dict[str, Any]] = {
        row["kind"]: dict(row)
        for row in Attention.objects.values("kind")
        .annotate(n=Count("id"), open=Count("id", filter=Q(resolved_at__isnull=True)))
        .order_by()
    }
    found = CounterMetricFamily(
        "cnr_reconcile_findings",
        "What reconciliation found and did (leaked sessions destroyed, stuck sessions repaired, …), by kind.",
        labels=["kind"],
    )
    unresolved = GaugeMetricFamily(
        "cnr_attention_unresolved",
        "Items of the overview's attention list nobody resolved yet.",
        labels=["kind"],
    )
    for kind in AttentionKind:
        row = rows.get(kind.value, {})
        found.add_metric([kind.value], row.get("n", 0))
        unresolved.add_metric([kind.value], row.get("open", 0))
    yield found
    yield unresolved


def review_metrics(now: datetime) -> Iterator[Metric]:
    from recordings.models import RecordingFile, ReviewStatus

    row = RecordingFile.objects.filter(deleted_at__isnull=True, review_status=ReviewStatus.PENDING).aggregate(
        n=Count("id"), oldest=Min("discovered_at")
    )
    yield GaugeMetricFamily("cnr_review_queue_files", "Recording files waiting for review.", value=row["n"])
    wait = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    yield GaugeMetricFamily(
        "cnr_review_queue_oldest_wait_seconds",
        "How long the oldest file waiting for review has waited.",
        value=wait,
    )


def live_metrics() -> Iterator[Metric]:
    from recordings.models import StreamPush

    yield GaugeMetricFamily(
        "cnr_live_streams",
        "CSS streams pushing now (per callbacks).",
        value=StreamPush.objects.live().count(),
    )


def outbox_metrics(now: datetime) -> Iterator[Metric]:
    """Webhook deliveries and alert notifications waiting to go out (or given up on): two outboxes."""
    from alerts.models import Alert, Notification, NotificationState
    from webhooks.models import DeliveryState, WebhookDelivery

    pending, failed = Q(state=DeliveryState.PENDING), Q(state=DeliveryState.FAILED)
    hooks = WebhookDelivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.FAILED]).aggregate(
        pending=Count("id", filter=pending),
        failed=Count("id", filter=failed),
        oldest=Min("event__occurred_at", filter=pending),
    )
    waiting, gave_up = Q(state=NotificationState.PENDING), Q(state=NotificationState.FAILED)
    notes = Notification.objects.filter(
        state__in=[NotificationState.PENDING, NotificationState.FAILED]
    ).aggregate(
        pending=Count("id", filter=waiting),
        failed=Count("id", filter=gave_up),
        oldest=Min("created_at", filter=waiting),
    )
    for prefix, row, what in (
        ("cnr_webhook_deliveries", hooks, "Webhook deliveries"),
        ("cnr_alert_notifications", notes, "Alert notifications"),
    ):
        yield GaugeMetricFamily(
            f"{prefix}_pending", f"{what} waiting to be sent (or retried).", value=row["pending"]
        )
        yield GaugeMetricFamily(f"{prefix}_failed", f"{what} given up on.", value=row["failed"])
        age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        yield GaugeMetricFamily(
            f"{prefix}_oldest_pending_age_seconds",
            f"Age of the oldest of the {what.lower()} waiting.",
            value=age,
        )
    yield GaugeMetricFamily("cnr_alerts_open", "Console alerts open now.", value=Alert.objects.open().count())


def redis_metrics(now: float) -> Iterator[Metric]:
    state = redis_state()
    yield GaugeMetricFamily("cnr_redis_up", "1 when Redis answered this scrape.", value=1 if state.up else 0)
    if not state.up:
        return
    queued = GaugeMetricFamily("cnr_rq_queue_jobs", "Jobs waiting in each RQ queue.", labels=["queue"])
    oldest = GaugeMetricFamily(
        "cnr_rq_queue_oldest_job_age_seconds",
        "Age of the oldest job waiting in each RQ queue.",
        labels=["queue"],
    )
    started = GaugeMetricFamily("cnr_rq_started_jobs", "Jobs running now, per RQ queue.", labels=["queue"])
    failed = GaugeMetricFamily(
        "cnr_rq_failed_jobs", "Jobs in each queue's failed registry.", labels=["queue"]
    )
    scheduled = GaugeMetricFamily(
        "cnr_rq_scheduled_jobs", "Jobs scheduled for later, per RQ queue.", labels=["queue"]
    )
    workers = GaugeMetricFamily(
        "cnr_rq_workers", "Live RQ workers listening on each queue.", labels=["queue"]
    )
    for queue in state.queues:
        queued.add_metric([queue.name], queue.queued)
        age = now - queue.oldest_enqueued_at.timestamp() if queue.oldest_enqueued_at else 0.0
        oldest.add_metric([queue.name], max(age, 0.0))
        started.add_metric([queue.name], queue.started)
        failed.add_metric([queue.name], queue.failed)
        scheduled.add_metric([queue.name], queue.scheduled)
        workers.add_metric([queue.name], queue.workers)
    yield from (queued, oldest, started, failed, scheduled, workers)
    if state.cron_heartbeat_at is not None:
        yield GaugeMetricFamily(
            "cnr_cron_heartbeat_age_seconds",
            "Seconds since the RQ cron process (manage.py rqcron recordings.cron) last reported.",
            value=max(now - state.cron_heartbeat_at, 0.0),
        )


class ConsoleCollector(Collector):
    """Everything /metrics reads from the database and Redis, computed once per scrape."""

    def collect(self) -> Iterator[Metric]:
        started = time.monotonic()
        now = timezone.now()
        yield from session_metrics(now)
        yield from attention_metrics()
        yield from review_metrics(now)
        yield from live_metrics()
        yield from outbox_metrics(now)
        yield from redis_metrics(time.time())
        yield GaugeMetricFamily(
            "cnr_metrics_scrape_duration_seconds",
            "Time this scrape spent reading the database and Redis.",
            value=time.monotonic() - started,
        )
