"""Delivery end to end on loopback: signatures checked by the receiver's own HMAC, retries, 410, SSRF, rotation,
the outbox's atomicity and per-recording sequence numbers."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from webhooks import services
from webhooks.delivery import Pump, dispatch_events
from webhooks.events import webhook_event_emit
from webhooks.models import (
    DeliveryState,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

pytestmark = pytest.mark.django_db(transaction=True)


def add_endpoint(operator, url: str, events: list[str] | None = None) -> WebhookEndpoint:
    data = services.EndpointInput(url, events or [], None, "test", True)
    return services.endpoint_create(data=data, actor=operator)


def run_until(done, rounds: int = 40) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        Pump().run(slice_seconds=2, idle_seconds=0.3)
        if done():
            return
    raise AssertionError("not delivered in time")


def emit(event_type=EventType.FILE_CREATED, session_id=None, **data):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        return webhook_event_emit(event_type, data={"id": 7, **data}, session_id=session_id)


def test_signed_body_verifies_with_own_hmac(operator, receiver):
    hook = receiver()
    endpoint = add_endpoint(operator, hook.url)
    event = emit(name="x")
    run_until(lambda: hook.delivered())
    [got] = hook.verified(endpoint.secret)
    assert got.msg_id == event.uid
    body = got.json
    assert body["type"] == "file.created" and body["data"] == {"id": 7, "name": "x"}
    assert set(body) == {"type", "timestamp", "sequence", "data"}
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_failing_receiver_gets_each_event_exactly_once_in_the_end(operator, receiver):
    hook = receiver(answer=lambda seen: 503 if seen < 2 else 200)
    endpoint = add_endpoint(operator, hook.url)
    events = [emit(n=i) for i in range(5)]
    run_until(lambda: len(hook.delivered()) == 5)
    # Three attempts each, all with the same webhook-id and a valid signature; delivered once per id.
    assert sorted(r.msg_id for r in hook.delivered()) == sorted(e.uid for e in events)
    assert len(hook.verified(endpoint.secret)) == len(hook.requests) == 15
    assert {d.attempts for d in WebhookDelivery.objects.all()} == {3}
    assert WebhookAttempt.objects.filter(ok=False, status_code=503).count() == 10


def test_410_disables_the_endpoint(operator, receiver):
    hook = receiver(answer=lambda seen: 410)
    endpoint = add_endpoint(operator, hook.url)
    emit()
    Pump().run(slice_seconds=2, idle_seconds=0.3)
    endpoint.refresh_from_db()
    assert not endpoint.active and "410" in endpoint.disabled_reason
    emit()
    Pump().run(slice_seconds=1, idle_seconds=0.3)
    assert len(hook.requests) == 1  # nothing more is sent to a disabled endpoint


def test_failing_for_days_disables_with_an_attention_item(operator, receiver, settings):
    from datetime import timedelta

    from django.utils import timezone

    from recordings.models import Attention

    hook = receiver(answer=lambda seen: 500)
    endpoint = add_endpoint(operator, hook.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=4))
    emit()
    Pump().run(slice_seconds=1, idle_seconds=0.3)
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert Attention.objects.filter(kind="webhook_disabled").count() == 1


def test_private_urls_refused_unless_allowed(operator, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest",
        "ftp://example.com/",
    ]:
        with pytest.raises(services.EndpointInvalid):
            add_endpoint(operator, url)
    # Checked again at delivery: an endpoint saved while allowed is not called once the setting is off.
    hook = receiver()
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    add_endpoint(operator, hook.url)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    emit()
    Pump().run(slice_seconds=1, idle_seconds=0.3)
    assert hook.requests == []
    attempt = WebhookAttempt.objects.first()
    assert attempt is not None and not attempt.ok and "private" in attempt.error


def test_rotation_signs_with_both_secrets_for_a_day(operator, receiver):
    from datetime import timedelta

    from django.utils import timezone

    hook = receiver()
    endpoint = add_endpoint(operator, hook.url)
    old = endpoint.secret
    new = services.endpoint_rotate_secret(endpoint=endpoint, actor=operator)
    assert new != old and new.startswith("whsec_")
    emit()
    run_until(lambda: len(hook.requests) == 1)
    assert hook.verified(old) and hook.verified(new) and len(hook.requests[0].signatures) == 2
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    emit()
    run_until(lambda: len(hook.requests) == 2)
    assert len(hook.requests[1].signatures) == 1 and hook.requests[1] in hook.verified(new)
    assert hook.requests[1] not in hook.verified(old)


def test_rolled_back_change_has_no_event(operator, db):
    from django.utils import timezone

    from recordings.models import AttentionKind
    from recordings.sessions.services.attention import attention

    with pytest.raises(RuntimeError), transaction.atomic():
        attention(AttentionKind.NO_FILE, now=timezone.now(), message="boom")
        assert WebhookEvent.objects.count() == 1
        raise RuntimeError
    assert WebhookEvent.objects.count() == 0
    with transaction.atomic():
        attention(AttentionKind.NO_FILE, now=timezone.now(), message="kept")
    event = WebhookEvent.objects.get()
    assert event.type == EventType.ATTENTION_RAISED and event.data["message"] == "kept"


def test_sequence_numbers_per_recording_and_filters(operator, receiver):
    hook = receiver()
    add_endpoint(operator, hook.url, events=["recording.started", "recording.completed"])
    emit(EventType.RECORDING_STARTED, session_id=1)
    emit(EventType.FILE_CREATED, session_id=1)  # not subscribed, still numbered
    emit(EventType.RECORDING_STARTED, session_id=2)
    emit(EventType.RECORDING_COMPLETED, session_id=1)
    run_until(lambda: len(hook.delivered()) == 3)
    seen = sorted((r.json["data"]["id"], r.json["type"], r.json["sequence"]) for r in hook.requests)
    assert [(t, s) for _, t, s in seen] == [
        ("recording.completed", 3),
        ("recording.started", 1),
        ("recording.started", 1),
    ]
    assert dispatch_events() == 0


def test_recording_transitions_emit_events(operator, db):
    from django.utils import timezone

    from recordings.catalog.tests.factories import RoomFactory
    from recordings.models import Room
    from recordings.sessions.lifecycle import SessionState, Trigger
    from recordings.sessions.services.session_steps import transition
    from recordings.sessions.services.sessions import session_start_now

    room: Room = RoomFactory()  # type: ignore[assignment]
    session, _ = session_start_now(room=room, actor=operator, trigger=Trigger.API, duration_minutes=10)
    types = list(WebhookEvent.objects.values_list("type", flat=True))
    assert types[0] == "recording.scheduled"
    session.refresh_from_db()
    if session.state == SessionState.SCHEDULED:
        transition(session, SessionState.STARTING, now=timezone.now(), reason="t")
    transition(session, SessionState.RECORDING, now=timezone.now(), reason="t")
    started = WebhookEvent.objects.filter(type="recording.started").get()
    assert started.data["state"] == "recording" and started.data["id"] == session.pk
    assert json.loads(json.dumps(started.data))["room"] == room.room_key


def test_slow_endpoint_does_not_delay_a_healthy_one_when_a_slice_ends(operator, receiver):
    """Slices of 0.5 s while the slow endpoint's requests take 3 s: the healthy lane keeps going through every
    slice end (the old sender waited for the slow requests there, pausing the healthy lane for ~2.5 s)."""
    import itertools
    import time

    slow = receiver(delay=3.0)
    fast = receiver(delay=0.02)  # about 200 deliveries/s in its lane: its 300 events outlast several slices
    add_endpoint(operator, slow.url, events=["file.deleted"])
    add_endpoint(operator, fast.url, events=["file.created"])
    with transaction.atomic():
        for i in range(8):
            webhook_event_emit(EventType.FILE_DELETED, data={"id": i})
        for i in range(300):
            webhook_event_emit(EventType.FILE_CREATED, data={"id": i})
    arrivals: list[float] = []
    original = fast.answer

    def answer(seen: int) -> int:
        arrivals.append(time.monotonic())
        return original(seen)

    fast.answer = answer
    deadline = time.monotonic() + 60
    while len(fast.delivered()) < 300 and time.monotonic() < deadline:
        Pump().run(slice_seconds=0.5, idle_seconds=0.3)
    assert len(fast.delivered()) == 300
    longest = max(b - a for a, b in itertools.pairwise(arrivals))
    assert longest < 1.2, f"the healthy endpoint waited {longest:.1f} s"
    assert slow.requests  # the slow endpoint was being sent to all along
