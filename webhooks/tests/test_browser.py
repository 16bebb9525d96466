"""The webhooks pages, filled (long URLs, a delivery log with failed and delivered attempts, a new secret), pass
axe-core (WCAG 2 A/AA) and fit a 390 px phone as well as a desktop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from dashboard.access import Role
from dashboard.tests.browser_crawl import describe_violations, login_context, overflow_problem, run_axe
from webhooks import services
from webhooks.models import DeliveryState, EventType, WebhookAttempt, WebhookDelivery, WebhookEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_URL = "https://hooks.example.com/a/very/long/path/that/goes/on/and/on/" + "segment/" * 12 + "end"


def seed(operator) -> int:  # type: ignore[no-untyped-def]
    data = services.EndpointInput(
        LONG_URL,
        ["recording.completed", "recording.failed", "file.created", "review.decided"],
        None,
        "The business backend of a client app with a rather long description",
        True,
    )
    endpoint = services.endpoint_create(data=data, actor=operator)
    services.endpoint_rotate_secret(endpoint=endpoint, actor=operator)
    now = timezone.now()
    for i, state in enumerate([DeliveryState.DELIVERED, DeliveryState.PENDING, DeliveryState.FAILED]):
        event = WebhookEvent.objects.create(
            uid=f"msg_{i:024d}",
            type=EventType.RECORDING_COMPLETED,
            data={"id": i},
            occurred_at=now,
            body="{}",
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            state=state,
            attempts=2,
            next_attempt_at=now + timedelta(minutes=5),
        )
        WebhookAttempt.objects.create(
            delivery=delivery, at=now, duration_ms=10_000, ok=False, error="Timed out.", status_code=None
        )
        WebhookAttempt.objects.create(
            delivery=delivery,
            at=now,
            duration_ms=31,
            ok=state == DeliveryState.DELIVERED,
            status_code=204 if state == DeliveryState.DELIVERED else 500,
            response_start='{"error":"' + "an unusually long answer without spaces" * 5 + '"}',
        )
    return endpoint.pk


@pytest.mark.parametrize("width", [1360, 390])
def test_webhook_pages_pass_axe_and_fit_the_viewport(browser, live_server, settings, width):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    operator = make_user("hooks-op", Role.OPERATOR)
    pk = seed(operator)
    context = login_context(browser, live_server, operator, width=width)
    page = context.new_page()
    problems: list[str] = []

    def check(label: str) -> None:
        problems.extend(describe_violations(label, run_axe(page)))
        problem = overflow_problem(page, f"{label} at {width} px")
        if problem:
            problems.append(problem)

    try:
        for path in ["/webhooks/", "/webhooks/new/", f"/webhooks/{pk}/", f"/webhooks/{pk}/edit/"]:
            page.goto(live_server.url + path)
            check(live_server.url + path)
        # The form with errors, then the detail page showing a new secret once.
        page.goto(live_server.url + "/webhooks/new/")
        page.get_by_label("URL").fill("ftp://example.com/")
        page.get_by_role("button", name="Add endpoint").click()
        check("/webhooks/new/ with errors")
        page.get_by_label("URL").fill("http://127.0.0.1:9/" + "x" * 120)
        page.get_by_role("button", name="Add endpoint").click()
        assert page.locator("#new-secret").inner_text().startswith("whsec_")
        check("endpoint page with its new secret")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
