"""/metrics: who may scrape, what each metric says about a known database, the scrape's cost, in-code counters."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import django_rq
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import (
    Attention,
    AttentionKind,
    RecordingFile,
    RecordingSession,
    ReviewStatus,
    StreamPush,
)
from recordings.sessions.lifecycle import SessionState, Trigger
from tencent import calllog, gateway
from tencent.ratelimit import Grant
from tencent.signing import callback_sign

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: Client, **extra: Any) -> Samples:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_metrics_need_a_token_or_an_allowed_address(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-token"
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.20.0.0/16"]
    far = {"REMOTE_ADDR": "192.0.2.10"}
    assert client.get("/metrics", **far).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **far).status_code == 403
    # A forwarded-for header is the client's word, never a pass.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1", **far).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-token", **far).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **far).status_code == 403


def make_session(room: Any, state: str, now: Any, **fields: Any) -> RecordingSession:
    session = RecordingSession.objects.create(
        room=room,
        trigger=Trigger.API,
        state=state,
        state_changed_at=now,
        planned_start=now - timedelta(minutes=10),
        planned_end=now + timedelta(minutes=50),
        car_project_id="cap-test",
        **fields,
    )
    # Created well before it was due, as a scheduled recording is.
    RecordingSession.objects.filter(pk=session.pk).update(created_at=now - timedelta(hours=1))
    return session


def make_file(room: Any, n: int, *, status: str, discovered_at: Any) -> RecordingFile:
    now = timezone.now()
    return RecordingFile.objects.create(
        room=room,
        storage="vod",
        file_id=f"file-{n}",
        format="mp4",
        content_start=now - timedelta(minutes=5),
        content_end=now,
        stream_name=room.stream_name,
        review_status=status,
        discovered_at=discovered_at,
    )


@pytest.fixture
def known_database(db: None) -> dict[str, Any]:
    now = timezone.now()
    rooms = RoomFactory.create_batch(5)
    start = now - timedelta(minutes=10)
    make_session(rooms[0], SessionState.RECORDING, now, stream_live_at=start + timedelta(seconds=12))
    make_session(
        rooms[1],
        SessionState.RECORDING,
        now,
        stream_live_at=start + timedelta(seconds=45),
        stream_lost_at=now,
        repairs=2,
    )
    make_session(
        rooms[2],
        SessionState.COMPLETED,
        now,
        stream_live_at=start + timedelta(seconds=8),
        stop_requested_at=now - timedelta(minutes=2),
        completed_at=now - timedelta(minutes=2) + timedelta(seconds=40),
    )
    make_session(rooms[3], SessionState.SCHEDULED, now, next_attempt_at=now - timedelta(minutes=10))
    make_session(rooms[4], SessionState.FAILED, now)
    Attention.objects.create(kind=AttentionKind.LEAKED_SESSION, message="x", at=now)
    Attention.objects.create(kind=AttentionKind.LEAKED_SESSION, message="x", at=now, resolved_at=now)
    Attention.objects.create(kind=AttentionKind.STUCK_STARTING, message="x", at=now)
    make_file(rooms[0], 1, status=ReviewStatus.PENDING, discovered_at=now - timedelta(seconds=300))
    make_file(rooms[0], 2, status=ReviewStatus.PENDING, discovered_at=now - timedelta(seconds=60))
    make_file(rooms[0], 3, status=ReviewStatus.APPROVED, discovered_at=now - timedelta(days=3))
    StreamPush.objects.create(stream_name="a", sequence="1", started_at=now)
    StreamPush.objects.create(stream_name="b", sequence="2", started_at=now, ended_at=now)
    return {"rooms": rooms}


def test_metrics_describe_the_database(client, known_database):
    samples = scrape(client)
    assert value(samples, "cnr_recordings", state="recording") == 2
    assert value(samples, "cnr_recordings", state="completed") == 1
    assert value(samples, "cnr_recordings", state="scheduled") == 1
    assert value(samples, "cnr_recordings", state="failed") == 1
    assert value(samples, "cnr_recordings", state="stopping") == 0  # every state, zeros included
    # Start latency: 12 s, 45 s and 8 s from the planned start to live.
    assert value(samples, "cnr_recording_start_latency_seconds_count") == 3
    assert value(samples, "cnr_recording_start_latency_seconds_bucket", le="10.0") == 1
    assert value(samples, "cnr_recording_start_latency_seconds_bucket", le="20.0") == 2
    assert value(samples, "cnr_recording_start_latency_seconds_bucket", le="60.0") == 3
    assert value(samples, "cnr_recording_start_latency_seconds_sum") == pytest.approx(65)
    assert value(samples, "cnr_recording_stop_latency_seconds_count") == 1
    assert value(samples, "cnr_recording_stop_latency_seconds_bucket", le="30.0") == 0
    assert value(samples, "cnr_recording_stop_latency_seconds_bucket", le="60.0") == 1
    assert value(samples, "cnr_recording_stop_latency_seconds_sum") == pytest.approx(40)
    assert value(samples, "cnr_recordings_overdue") == 1
    assert value(samples, "cnr_recordings_stream_lost") == 1
    assert value(samples, "cnr_recording_stream_repairs_total") == 2
    assert value(samples, "cnr_reconcile_findings_total", kind="leaked_session") == 2
    assert value(samples, "cnr_reconcile_findings_total", kind="stuck_starting") == 1
    assert value(samples, "cnr_attention_unresolved", kind="leaked_session") == 1
    assert value(samples, "cnr_review_queue_files") == 2
    assert 299 <= value(samples, "cnr_review_queue_oldest_wait_seconds") < 330
    assert value(samples, "cnr_live_streams") == 1
    assert value(samples, "cnr_redis_up") == 1


@pytest.mark.django_db
def test_metrics_show_the_webhook_and_alert_outboxes(client):
    from alerts.models import Channel, Notification, NotificationState
    from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent

    now = timezone.now()
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/cnr", secret="whsec_x")
    for n, (state, age) in enumerate(
        (
            (DeliveryState.PENDING, 90),
            (DeliveryState.PENDING, 10),
            (DeliveryState.FAILED, 900),
            (DeliveryState.DELIVERED, 5),
        )
    ):
        event = WebhookEvent.objects.create(
            uid=f"ev-{n}", type="webhook.test", data={}, occurred_at=now - timedelta(seconds=age)
        )
        WebhookDelivery.objects.create(endpoint=endpoint, event=event, state=state)
    channel = Channel.objects.create(name="ops", kind="email", target="ops@example.com")
    for note_state, age in (
        (NotificationState.PENDING, 40),
        (NotificationState.SENT, 400),
        (NotificationState.FAILED, 4000),
    ):
        Notification.objects.create(
            channel=channel,
            event="test",
            title="t",
            body="b",
            state=note_state,
            created_at=now - timedelta(seconds=age),
        )
    samples = scrape(client)
    assert value(samples, "cnr_webhook_deliveries_pending") == 2
    assert value(samples, "cnr_webhook_deliveries_failed") == 1
    assert 90 <= value(samples, "cnr_webhook_deliveries_oldest_pending_age_seconds") < 120
    assert value(samples, "cnr_alert_notifications_pending") == 1
    assert value(samples, "cnr_alert_notifications_failed") == 1
    assert 40 <= value(samples, "cnr_alert_notifications_oldest_pending_age_seconds") < 70
    assert value(samples, "cnr_alerts_open") == 0


@pytest.mark.django_db
def test_metrics_read_the_rq_queues(client):
    # A plain RQ queue: django-rq's would wait for the test's transaction to commit.
    queue = Queue("media", connection=django_rq.get_connection("media"))
    queue.empty()
    # Other tests on this Redis database may have left a job there (the test asserts an empty queue).
    Queue("orchestration", connection=django_rq.get_connection("orchestration")).empty()
    try:
        queue.enqueue("builtins.print", "waiting")
        queue.enqueue("builtins.print", "waiting too")
        samples = scrape(client)
        assert value(samples, "cnr_rq_queue_jobs", queue="media") == 2
        assert 0 <= value(samples, "cnr_rq_queue_oldest_job_age_seconds", queue="media") < 30
        assert value(samples, "cnr_rq_queue_jobs", queue="orchestration") == 0
        assert value(samples, "cnr_rq_workers", queue="media") == 0
    finally:
        queue.empty()


@pytest.mark.django_db
def test_metrics_say_redis_is_down_and_still_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    samples = scrape(client)
    assert value(samples, "cnr_redis_up") == 0
    assert not any(name.startswith("cnr_rq_") for name, _ in samples)


def test_a_scrape_costs_the_same_few_queries_whatever_the_data(
    client, known_database, django_assert_num_queries
):
    with django_assert_num_queries(8):
        scrape(client)
    now = timezone.now()
    for room in RoomFactory.create_batch(20):
        make_session(
            room, SessionState.COMPLETED, now, stream_live_at=now, stop_requested_at=now, completed_at=now
        )
        Attention.objects.create(kind=AttentionKind.NO_FILE, message="x", at=now)
    with django_assert_num_queries(8):
        scrape(client)


@pytest.mark.django_db
def test_tencent_calls_are_counted_by_action_and_outcome(client):
    before = scrape(client)
    started = timezone.now()
    for outcome, code in (("ok", ""), ("error", "FailedOperation"), ("error", "RequestLimitExceeded")):
        calllog.record(
            service="car",
            action="CreateSession",
            request={},
            started_at=started,
            duration_ms=1200,
            outcome=outcome,
            error_code=code,
            request_id="req-1",
            attempt=1,
            session_id=None,
        )
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    calls = "cnr_tencent_api_calls_total"
    assert delta(calls, service="car", action="CreateSession", outcome="ok") == 1
    assert delta(calls, service="car", action="CreateSession", outcome="error") == 1
    assert delta(calls, service="car", action="CreateSession", outcome="throttled") == 1
    seconds = "cnr_tencent_api_call_duration_seconds"
    assert delta(f"{seconds}_count", service="car", action="CreateSession") == 3
    assert delta(f"{seconds}_bucket", service="car", action="CreateSession", le="1.0") == 0
    assert delta(f"{seconds}_bucket", service="car", action="CreateSession", le="2.5") == 3


@pytest.mark.django_db
def test_throttling_waits_are_observed(client, monkeypatch):
    class Limiter:
        def acquire(self, action: str, *, per_second: int, max_wait_s: float) -> Grant:
            return Grant(at=time.time(), waited_s=0.3)

    monkeypatch.setattr(gateway, "limiter_for", lambda url: Limiter())
    before = scrape(client)
    gateway._acquire_slot("StartPublishStream")
    after = scrape(client)
    name = "cnr_tencent_throttle_wait_seconds_bucket"
    for le, expected in (("0.25", 0), ("0.5", 1)):
        grown = value(after, name, action="StartPublishStream", le=le) - value(
            before, name, action="StartPublishStream", le=le
        )
        assert grown == expected


def signed(body: dict[str, Any], key: str) -> str:
    t = int(time.time()) + 300
    return json.dumps({**body, "t": t, "sign": callback_sign(key=key, t=t)})


@pytest.mark.django_db
def test_callbacks_are_counted_with_their_lag(client, settings):
    settings.CSS_CALLBACK_KEY = "metrics-test-key"
    before = scrape(client)
    push = {
        "event_type": 1,
        "stream_id": "metrics-stream",
        "sequence": "s-1",
        "event_time": int(time.time()) - 3,
        "app": "live",
    }
    for _ in range(2):  # Tencent's retry: re-signed, the same event
        answer = client.post("/callbacks/css/", signed(push, settings.CSS_CALLBACK_KEY), "application/json")
        assert answer.status_code == 200
    forged = json.dumps({**push, "t": int(time.time()) + 300, "sign": "0" * 32})
    assert client.post("/callbacks/css/", forged, "application/json").status_code == 403
    assert client.post("/callbacks/css/", "not json", "application/json").status_code == 400
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cnr_callbacks_total", event_type="1", result="stored") == 1
    assert delta("cnr_callbacks_total", event_type="1", result="duplicate") == 1
    assert delta("cnr_callbacks_total", event_type="other", result="rejected") == 1
    assert delta("cnr_callbacks_total", event_type="other", result="malformed") == 1
    assert delta("cnr_callback_lag_seconds_count") == 2
    assert delta("cnr_callback_lag_seconds_bucket", le="2.0") == 0
    assert delta("cnr_callback_lag_seconds_bucket", le="5.0") == 2


def test_metric_names_follow_prometheus_conventions(client, db):
    samples = scrape(client)
    names = {name for name, _ in samples if name.startswith("cnr_")}
    assert names
    for name, labels in samples:
        if name.startswith("cnr_"):
            # Bounded labels only: never a recording, room or stream.
            assert not {"recording", "session", "room", "stream", "session_id"} & {k for k, _ in labels}
    assert settings.METRICS_ALLOWED_IPS  # loopback scrapes by default


def test_a_metrics_allowlist_entry_that_is_no_address_fails_the_system_check(settings: Any) -> None:
    from dashboard.checks import metrics_allowlist_check

    assert metrics_allowlist_check() == []
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.20.0.0/16", "prometheus.local"]
    assert [error.id for error in metrics_allowlist_check()] == ["cnr.E002"]
