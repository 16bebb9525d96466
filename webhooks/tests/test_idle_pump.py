"""The periodic pump (every 5 s from the cron) costs one look at the outbox when nothing is due, and still sends
what is due."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from webhooks import jobs, services
from webhooks.events import webhook_event_emit
from webhooks.models import DeliveryState, EventType, WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_pump_with_nothing_due_only_looks(django_assert_max_num_queries: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(jobs, "connection", lambda: pytest.fail("no Redis lock is taken when nothing is due"))

    with django_assert_max_num_queries(2):
        assert jobs.pump(slice_seconds=5) == {"sent": 0, "delivered": 0, "dispatched": 0}


def test_a_pump_with_an_event_due_delivers_it(operator: Any, receiver: Any) -> None:
    hook = receiver()
    services.endpoint_create(data=services.EndpointInput(hook.url, [], None, "test", True), actor=operator)
    with transaction.atomic():
        webhook_event_emit(EventType.FILE_CREATED, data={"id": 7}, session_id=None)

    totals = jobs.pump(slice_seconds=1)

    assert totals["dispatched"] == 1 and totals["delivered"] == 1
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED
    assert hook.delivered()
