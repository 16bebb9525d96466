"""The preview computed in the database agrees with the row-by-row reference (preview_oracle) on a varied set of
files — VOD and COS, every class with and without a class_since, rejected verdicts, holds on a file, a recording
and a room (active, lifted, expiring before the horizon), a room with its own policy, files right at the deletion
and transition boundaries — for saved and unsaved policies, and answers in a fixed number of queries."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import FileLifecycle, LegalHold, RetentionPolicy
from lifecycle.preview import retention_preview, retention_previews
from lifecycle.summary import storage_summary
from lifecycle.tests.preview_oracle import reference_preview
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file, make_session
from recordings.models import RecordingFile, ReviewStatus, Room

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-11-20T10:15:30.250000+00:00")
LATER = NOW + timedelta(days=30)
CLASSES = ["", "STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE"]  # "" = no lifecycle row yet
# Ages (days before NOW the recording ended); the fractional ones put a file a few microseconds either side of a
# deletion (keep 200 / rejected 20 at the horizon: 170 / -10 days) or a transition boundary.
AGES = [0.5, 3, 9, 29.9, 31, 60, 61, 95, 150, 169.99999, 170, 170.00001, 200, 260, 400]


def _files(room: Room, *, session_every: int = 0) -> None:
    combos = itertools.product(AGES, CLASSES, ["vod", "cos"], [ReviewStatus.APPROVED, ReviewStatus.REJECTED])
    for index, (age, cls, storage, verdict) in enumerate(combos):
        if index % 3:  # a third of the combinations keeps the set varied and the test quick
            continue
        end = NOW - timedelta(days=age)
        recording_file = make_file(
            room=room,
            file_id=f"r{room.pk}-{index}",
            cos_key=f"k/{room.pk}/{index}.mp4" if storage == "cos" else "",
            start=end - timedelta(seconds=60),
            size_bytes=(index % 7 + 1) * 123_456_789,
            review_status=verdict,
        )
        if cls:
            since = None if index % 2 else end + timedelta(days=age / 2)
            FileLifecycle.objects.create(file=recording_file, storage_class=cls, class_since=since)


@pytest.fixture
def dataset(settings: Any, moderator: User) -> dict[str, Any]:
    settings.COS_REGION = "ap-singapore"
    plain = RoomFactory.create()
    app = plain.client_app
    room_held = RoomFactory.create(client_app=app)
    own = RoomFactory.create(client_app=app)
    for room in (plain, room_held, own):
        _files(room)
    session = make_session(plain, stream_name=plain.stream_name, start=NOW - timedelta(days=170))
    held_file = make_file(room=plain, session=session, file_id="in-session", start=NOW - timedelta(days=171))
    lone = make_file(room=plain, file_id="lone", start=NOW - timedelta(days=300), size_bytes=5 * 1024**3)
    lifted = make_file(room=plain, file_id="lifted", start=NOW - timedelta(days=300))
    expiring = make_file(room=plain, file_id="expiring", start=NOW - timedelta(days=300))
    LegalHold.objects.create(room=room_held, reason="dispute", placed_by=moderator)
    LegalHold.objects.create(session=session, reason="review", placed_by=moderator)
    LegalHold.objects.create(file=lone, reason="audit", placed_by=moderator)
    LegalHold.objects.create(
        file=lifted, reason="old", placed_by=moderator, lifted_at=NOW - timedelta(days=1)
    )
    LegalHold.objects.create(file=expiring, reason="short", until=NOW + timedelta(days=10))
    app_policy = RetentionPolicy.objects.create(
        client_app=app,
        keep_days=200,
        rejected_keep_days=20,
        standard_ia_after_days=30,
        archive_after_days=90,
        deep_archive_after_days=180,
    )
    room_policy = RetentionPolicy.objects.create(room=own, rejected_keep_days=5, standard_ia_after_days=10)
    assert held_file.pk
    return {"app": app, "own": own, "app_policy": app_policy, "room_policy": room_policy}


def _same(policy: RetentionPolicy) -> None:
    fast, reference = retention_preview(policy=policy, now=NOW), reference_preview(policy=policy, now=NOW)
    assert sorted(fast.unpriced) == sorted(reference.unpriced)
    fast.unpriced, reference.unpriced = [], []
    assert fast == reference


def test_the_database_preview_agrees_with_the_row_by_row_reference(dataset: dict[str, Any]) -> None:
    app, own = dataset["app"], dataset["own"]
    saved = [dataset["app_policy"], dataset["room_policy"]]
    unsaved = [
        RetentionPolicy(client_app=app, keep_days=None, standard_ia_after_days=3),
        RetentionPolicy(client_app=app, keep_days=100, archive_after_days=60),
        RetentionPolicy(client_app=app, keep_days=400, rejected_keep_days=500, deep_archive_after_days=1),
        RetentionPolicy(room=own, keep_days=0),
        RetentionPolicy(room=own, keep_days=31, rejected_keep_days=0, standard_ia_after_days=30),
    ]
    for policy in saved + unsaved:
        _same(policy)
    # The data is varied enough to exercise every branch the figures come from.
    preview = retention_preview(policy=dataset["app_policy"], now=NOW)
    assert preview.deleted.files and preview.held_files and preview.early_deletion_usd
    assert set(preview.moved) >= {"STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE"}
    assert preview.unpriced  # the test price book has no COS price for some class


def test_every_policys_preview_at_once_is_each_policys_preview(dataset: dict[str, Any]) -> None:
    """The Storage page reads every saved policy's preview in one query; each equals its own preview."""
    room_wide = RetentionPolicy.objects.create(
        room=RoomFactory.create(), keep_days=1
    )  # another app, no files
    policies = [dataset["app_policy"], dataset["room_policy"], room_wide]
    with CaptureQueriesContext(connection) as queries:
        together = retention_previews(policies=policies, now=NOW)
    assert len(queries) <= 2  # the price book, the aggregate
    assert together == {policy.pk: retention_preview(policy=policy, now=NOW) for policy in policies}
    assert together[dataset["app_policy"].pk].deleted.files and together[dataset["room_policy"].pk].moved


def test_the_storage_pages_cached_figures_follow_a_hold_at_once(
    dataset: dict[str, Any], moderator: User
) -> None:
    before = storage_summary(now=NOW).totals
    assert (
        before is not None and storage_summary(now=NOW).totals == before
    )  # the second read is the cached one
    governed = RecordingFile.objects.filter(room__client_app=dataset["app"]).exclude(room=dataset["own"])
    in_unheld_room = governed.exclude(room__legal_holds__isnull=False).first()  # its room not held yet
    assert in_unheld_room is not None
    LegalHold.objects.create(room_id=in_unheld_room.room_id, reason="new dispute", placed_by=moderator)
    after = storage_summary(now=NOW).totals
    assert after is not None and after.held_files > before.held_files
    assert after.deleted.files < before.deleted.files


def test_the_preview_costs_a_fixed_number_of_queries(dataset: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as queries:
        retention_preview(policy=dataset["app_policy"], now=NOW)
    few = len(queries)
    RetentionPolicy.objects.filter(pk=dataset["room_policy"].pk).delete()  # more files under the app's policy
    with CaptureQueriesContext(connection) as queries:
        retention_preview(policy=dataset["app_policy"], now=NOW)
    assert len(queries) == few <= 3
