"""The admin lists policies, holds and lifecycle states (read-only: changes go through the audited services)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from lifecycle.models import LegalHold, RetentionPolicy
from recordings.catalog.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_render_and_refuse_adding(client: Client, moderator: User) -> None:
    admin_user = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin_user)
    room = RoomFactory.create()
    RetentionPolicy.objects.create(room=room, keep_days=30)
    LegalHold.objects.create(room=room, reason="inquiry", placed_by=moderator)
    for model in ("retentionpolicy", "legalhold", "filelifecycle"):
        assert client.get(reverse(f"admin:lifecycle_{model}_changelist")).status_code == 200
    assert client.get(reverse("admin:lifecycle_legalhold_add")).status_code == 403
