"""The demo's logins appear on the login page (and in `rundemo`'s banner) only in demo mode: DEBUG on and the
local emulator. A console with DEBUG off or a real Tencent Cloud account never shows them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse

from dashboard.demo_mode import ADMIN, DEMO_USERS
from dashboard.management.commands.rundemo import Command as RunDemo

pytestmark = pytest.mark.django_db

PASSWORDS = [password for _role, password in DEMO_USERS.values()] + [ADMIN[1]]


@pytest.fixture
def seeded_users() -> None:
    for username in [*DEMO_USERS, ADMIN[0]]:
        User.objects.create_user(username=username, password="whatever")


@override_settings(DEBUG=True, USING_EMULATOR=True)
def test_demo_mode_login_page_lists_the_demo_logins(client, seeded_users):
    page = client.get(reverse("login")).content.decode()
    assert "Demo logins" in page
    for username in [*DEMO_USERS, ADMIN[0]]:
        assert f"<code>{username}</code>" in page
    for password in PASSWORDS:
        assert password in page


@override_settings(DEBUG=True, USING_EMULATOR=True)
def test_demo_mode_lists_only_users_that_exist_and_are_active(client):
    User.objects.create_user(username="operator", password="x")
    User.objects.create_user(username="manager", password="x", is_active=False)
    page = client.get(reverse("login")).content.decode()
    assert "operator-demo-pass" in page
    assert "manager-demo-pass" not in page
    assert "admin-demo-pass" not in page


@pytest.mark.parametrize(
    "debug, using_emulator",
    [(False, True), (True, False), (False, False)],
    ids=["debug-off", "real-tencent-account", "production"],
)
def test_outside_demo_mode_the_login_page_shows_no_demo_logins(client, seeded_users, debug, using_emulator):
    with override_settings(DEBUG=debug, USING_EMULATOR=using_emulator):
        response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Demo logins" not in page
    for password in PASSWORDS:
        assert password not in page


@pytest.mark.parametrize("demo", [True, False])
def test_rundemo_banner_prints_the_logins_only_in_demo_mode(seeded_users, demo):
    out = StringIO()
    with override_settings(DEBUG=demo, USING_EMULATOR=True):
        RunDemo(stdout=out).announce("127.0.0.1:8000")
    banner = out.getvalue()
    assert "CNR Console is ready at http://127.0.0.1:8000/" in banner
    assert ("operator / operator-demo-pass" in banner) is demo
    assert ("admin / admin-demo-pass" in banner) is demo
