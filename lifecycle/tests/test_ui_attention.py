"""A failed lifecycle action is listed under the overview's Needs attention and on the Storage page; Retry queues
the file's retention again (RQ runs it inline in tests) and, once Tencent accepts, the failure is gone."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AuditEntry
from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media
from lifecycle.models import FileLifecycle
from lifecycle.services import retention_apply, retention_policy_save
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from tencent import vod

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


def test_a_failed_move_is_listed_and_retry_clears_it(
    emulator: RunningEmulator,
    operator: User,
    manager: User,
    moderator: User,
    client_as: Callable[[User | None], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    room = RoomFactory.create()
    retention_policy_save(client_app=room.client_app, data={"standard_ia_after_days": 1}, actor=manager)
    media = add_media(emulator, stream=room.stream_name, created=time.time(), payload=b"v" * 1000)
    recording = make_file(
        room=room,
        file_id=media.file_id,
        start=timezone.now() - timedelta(days=1.5),
        size_bytes=1000,
    )
    # A code the gateway does not retry (a transient one would be retried at once and succeed).
    emulator.inject_fault("ModifyMediaStorageClass", code="InvalidParameterValue.StorageClass", count=1)
    assert retention_apply().failed == 1
    state = FileLifecycle.objects.get(file=recording)
    row = f'id="lifecycle-failure-{state.pk}"'
    retry_url = reverse("lifecycle:failure_retry", args=[state.pk])

    overview = client_as(operator).get(reverse("overview")).content.decode()
    assert row in overview and "InvalidParameterValue.StorageClass" in overview and retry_url in overview
    assert row in client_as(operator).get(reverse("lifecycle:storage")).content.decode()
    # Moderators see it but may not retry (they do not set retention).
    moderator_view = client_as(moderator).get(reverse("overview")).content.decode()
    assert row in moderator_view and retry_url not in moderator_view
    assert client_as(moderator).post(retry_url).status_code == 403

    # django-rq queues on commit; the test's transaction never commits, so the callback is run by hand.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(operator).post(retry_url, {"next": reverse("overview")})
    assert response.status_code == 302 and response["Location"] == reverse("overview")
    state.refresh_from_db()
    assert (state.last_error, state.storage_class) == ("", "STANDARD_IA")
    assert vod.describe_media_infos(file_ids=[recording.file_id])[0].storage_class == "STANDARD_IA"
    assert AuditEntry.objects.get(action="retention.retry").actor == operator
    assert row not in client_as(operator).get(reverse("overview")).content.decode()
    # Nothing failed any more: a second retry has nothing to find.
    assert client_as(operator).post(retry_url).status_code == 404
