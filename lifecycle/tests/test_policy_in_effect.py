"""Which retention policy governs a room's files: the room's own, else its client app's, else none. One rule
(RetentionPolicyQuerySet) read one room at a time (`in_effect`) or for many rooms at once (`by_owner` +
`governing`), which the cost report and the estimates use: both must answer alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import RetentionPolicy, governing
from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory

pytestmark = pytest.mark.django_db


def test_the_room_s_own_policy_else_its_app_s_else_none() -> None:
    app, bare_app = ClientAppFactory.create(), ClientAppFactory.create()
    own, inherits, bare = (
        RoomFactory.create(client_app=app),
        RoomFactory.create(client_app=app),
        RoomFactory.create(client_app=bare_app),
    )
    app_policy = RetentionPolicy.objects.create(client_app=app, keep_days=90)
    room_policy = RetentionPolicy.objects.create(room=own, keep_days=7)
    # A policy of another app's room must never leak to a room of `app`.
    RetentionPolicy.objects.create(room=RoomFactory.create(client_app=bare_app), keep_days=1)

    expected = {own: room_policy, inherits: app_policy, bare: None}
    assert {room: RetentionPolicy.objects.in_effect(room) for room in expected} == expected
    with CaptureQueriesContext(connection) as queries:
        owners = RetentionPolicy.objects.by_owner()
        found = {
            room: governing(owners, room_id=room.pk, client_app_id=room.client_app_id) for room in expected
        }
    assert found == expected and len(queries) == 1
