"""The Cloud setup page: the doctor's checks for operators and superusers, and its "create what is missing"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import make_user
from dashboard.models import AuditEntry
from emulator.testing import RunningEmulator

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]
URL = "/tencent/setup/"


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("manager", 403), ("moderator", 403)])
def test_only_operators_and_superusers_open_it(
    role: str, status: int, role_user: Callable[[str], User], client_as: Callable[[User], Client], emu: Any
) -> None:
    assert client_as(role_user(role)).get(URL).status_code == status
    admin = make_user("root", is_superuser=True)
    assert client_as(admin).get(URL).status_code == 200


def test_nav_item_only_for_those_who_may_open_it(
    operator: User, moderator: User, client_as: Callable[[User], Client], emu: Any
) -> None:
    assert URL in client_as(operator).get("/").content.decode()
    assert URL not in client_as(moderator).get("/").content.decode()


def test_page_shows_failures_and_creates_what_is_missing(
    operator: User, client_as: Callable[[User], Client], emu: RunningEmulator
) -> None:
    client = client_as(operator)
    page = client.get(URL).content.decode()
    assert "Not ready" in page
    assert "no callback rule binds push.emulator.local" in page
    response = client.post(URL, {})
    assert response.status_code == 302 and response["Location"] == URL
    page = client.get(URL).content.decode()
    assert "Every check passes." in page and "FAIL" not in page
    assert (
        "Created callback template and rule: template 1, rule push.emulator.local → 1; "
        "VOD event queue: PULL queue." in page
    )
    assert AuditEntry.objects.filter(action="tencent.setup.callback_rule.create", actor=operator).exists()
    assert len(emu.state.callback_rules) == 1
