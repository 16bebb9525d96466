"""In Chromium: a manager types a policy, Preview shows what it would delete in the next 30 days without saving
(htmx swaps the preview in place), then Save stores it (audited) and the client app's page shows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from billing.tests.conftest import list_price_book  # noqa: F401 (a fixture: transactional tests flush it)
from dashboard.models import AuditEntry
from dashboard.tests.browser_crawl import log_in
from lifecycle.models import RetentionPolicy
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GB = 1024**3


@pytest.fixture
def english_page(browser: Any) -> Iterator[Any]:
    # English whatever the machine's locale: the assertions read the English page.
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_preview_then_save(
    english_page: Any,
    live_server: Any,
    manager: User,
    list_price_book: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    room = RoomFactory.create(name="Stage")
    app = room.client_app
    now = timezone.now()
    # In 30 days: the 40-day-old file is past 60 days (deleted), the others past 5 (moved to STANDARD_IA).
    for days, gb in ((40, 1), (10, 2), (1, 3)):
        make_file(room=room, file_id=f"e2e-{days}", start=now - timedelta(days=days), size_bytes=gb * GB)

    page = english_page
    log_in(page.context, live_server, manager)  # a server-side session: no login page round trip
    page.goto(f"{live_server.url}/storage/apps/{app.pk}/policy/")
    page.fill("input[name=keep_days]", "60")
    page.fill("input[name=standard_ia_after_days]", "5")
    page.click("#preview-button")
    preview = page.locator("#preview")
    expect(preview.locator('[data-preview="deleted-files"]')).to_have_text("1")
    expect(preview.locator('[data-preview="deleted-gb"]')).to_have_text("1.00")
    expect(preview.locator('[data-class="STANDARD_IA"]')).to_contain_text("5.00")
    expect(page.locator("input[name=keep_days]")).to_have_value("60")  # the form stays as typed
    assert not RetentionPolicy.objects.exists()
    assert not AuditEntry.objects.filter(action="retention.policy_save").exists()

    page.click("#save-button")
    page.wait_for_url(f"{live_server.url}/apps/{app.pk}/")
    expect(page.locator("#retention-card")).to_contain_text("delete after 60 days")
    policy = RetentionPolicy.objects.get(client_app=app, room=None)
    assert (policy.keep_days, policy.standard_ia_after_days) == (60, 5)
    assert AuditEntry.objects.get(action="retention.policy_save").actor == manager
