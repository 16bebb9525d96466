"""The preview of the next 30 days of a policy: what it deletes and moves, and what that saves at the list
prices (VOD outside the mainland: STANDARD 0.0009, STANDARD_IA 0.0006 USD per GB-day; IA's minimum 30 days)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from lifecycle.models import FileLifecycle, LegalHold, RetentionPolicy
from lifecycle.preview import Change, retention_preview
from lifecycle.services import retention_policy_save
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from recordings.models import RecordingFile, Room

pytestmark = pytest.mark.django_db

GB = 1024**3


def vod(
    room: Room, *, ended_days_ago: float, gb: int, ia_since_days_ago: float | None = None
) -> RecordingFile:
    now = timezone.now()
    recording = make_file(
        room=room,
        file_id=f"f{ended_days_ago}-{gb}-{room.pk}",
        start=now - timedelta(days=ended_days_ago, seconds=60),
        size_bytes=gb * GB,
    )
    if ia_since_days_ago is not None:
        FileLifecycle.objects.create(
            file=recording, storage_class="STANDARD_IA", class_since=now - timedelta(days=ia_since_days_ago)
        )
    return recording


def test_the_next_30_days_of_a_policy_priced(settings: Any, manager: User, moderator: User) -> None:
    settings.COS_REGION = "ap-singapore"
    room = RoomFactory.create()
    held_room = RoomFactory.create(client_app=room.client_app)
    own_room = RoomFactory.create(client_app=room.client_app)
    policy = retention_policy_save(
        client_app=room.client_app, data={"keep_days": 60, "standard_ia_after_days": 3}, actor=manager
    )
    retention_policy_save(room=own_room, data={"keep_days": None}, actor=manager)
    vod(room, ended_days_ago=40, gb=1, ia_since_days_ago=37)  # deleted in 20 days, long past IA's 30
    vod(room, ended_days_ago=1, gb=2)  # moves to STANDARD_IA
    vod(room, ended_days_ago=50, gb=1, ia_since_days_ago=10)  # deleted in 10 days, 10 days short of IA's 30
    vod(held_room, ended_days_ago=59, gb=1)  # due, but held: kept, though still moved to STANDARD_IA
    vod(own_room, ended_days_ago=59, gb=5)  # its room keeps files forever
    # Placed directly: placing it through the service would apply the policy to the room at once.
    LegalHold.objects.create(room=held_room, reason="audit", placed_by=moderator)

    preview = retention_preview(policy=policy)
    assert preview.deleted == Change(files=2, bytes=2 * GB)
    assert preview.moved == {"STANDARD_IA": Change(files=2, bytes=3 * GB)}
    assert preview.held_files == 1
    # 1 GB x 0.0006 x 30 twice (deleted IA files) + 3 GB x (0.0009 - 0.0006) x 30 (moved)
    assert preview.monthly_saving_usd == Decimal("0.06")  # 0.063, to the cent
    # 10 days of IA's minimum left when the third file goes: 1 GB x 0.0006 x 10
    assert preview.early_deletion_usd == Decimal("0.01")  # 0.006, to the cent
    assert preview.unpriced == [] and "v" in preview.price_book

    # A changed policy shows its effect before it is saved: keeping forever deletes nothing.
    unsaved = RetentionPolicy(client_app=room.client_app, keep_days=None, standard_ia_after_days=3)
    assert retention_preview(policy=unsaved).deleted == Change()
    assert RetentionPolicy.objects.get(pk=policy.pk).keep_days == 60
