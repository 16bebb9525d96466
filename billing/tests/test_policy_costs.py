"""Issue #17's check: the saving the lifecycle preview promises is what the cost report's storage line shows once
retention_apply has run against the emulator.

June 2027 (30 days, like the preview's month) at the list prices, VOD outside the mainland: STANDARD 0.0009,
STANDARD_IA 0.0006 USD per GB-day. A policy on the app keeps files 90 days and moves them to IA after 30.
On June 1 00:00 (UTC+8) a 10 GiB file 100 days old is due for deletion (saves 10 x 0.0009 x 30 = 0.27 a month),
a 10 GiB file 40 days old is due for IA (saves 10 x 0.0003 x 30 = 0.09); nothing else falls due in the next 30
days. A 10 GiB file in a room whose own policy keeps files forever stays as it is (and in the report).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from billing.estimator.timeline import BILLING_TZ
from billing.report_data import cost_report, stored_files
from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media
from lifecycle.models import FileClassChange
from lifecycle.preview import retention_preview
from lifecycle.services import retention_apply, retention_policy_save
from recordings.catalog.tests.factories import RoomFactory
from recordings.media.tests.support import make_file
from recordings.models import RecordingFile, Room

pytestmark = [pytest.mark.django_db, pytest.mark.emulator, pytest.mark.usefixtures("list_price_book")]

GIB = 1024**3
JUNE = datetime(2027, 6, 1, tzinfo=BILLING_TZ)


def vod_file(emulator: RunningEmulator, room: Room, *, days_old: int, gib: int) -> RecordingFile:
    media = add_media(emulator, stream=room.stream_name, created=time.time(), payload=b"v" * 1000)
    end = JUNE - timedelta(days=days_old)
    return make_file(
        room=room,
        file_id=media.file_id,
        start=end - timedelta(seconds=60),
        duration_s=60,
        size_bytes=gib * GIB,
    )


def june_storage(now: datetime, side: str = "actual") -> Decimal:
    return getattr(cost_report(month=JUNE.date(), now=now).report, side).storage_cost


def test_the_reports_storage_line_falls_by_the_previews_saving(
    emulator: RunningEmulator, manager: User, settings, monkeypatch
) -> None:
    settings.TENCENT_REGION = "ap-singapore"  # VOD outside the mainland
    room = RoomFactory.create()
    policy = retention_policy_save(
        client_app=room.client_app, data={"keep_days": 90, "standard_ia_after_days": 30}, actor=manager
    )
    old = vod_file(emulator, room, days_old=100, gib=10)
    aging = vod_file(emulator, room, days_old=40, gib=10)
    own_room = RoomFactory.create(client_app=room.client_app)
    retention_policy_save(
        room=own_room, data={"keep_days": None, "standard_ia_after_days": None}, actor=manager
    )
    vod_file(emulator, own_room, days_old=5, gib=10)

    preview = retention_preview(policy=policy, now=JUNE)
    assert preview.monthly_saving_usd == Decimal("0.36") and preview.early_deletion_usd == 0
    before = june_storage(now=JUNE)  # the month as it will be billed if nothing changes
    assert before == 30 * 30 * Decimal("0.0009")
    # The report's estimate side prices the files as the policies plan them: already what the job will make.
    planned = june_storage(now=JUNE, side="estimate")
    assert planned == 10 * 30 * Decimal("0.0006") + 10 * 30 * Decimal("0.0009")

    # Time moves forward to June 1: the daily job runs then (its deletions stamp timezone.now()).
    monkeypatch.setattr("django.utils.timezone.now", lambda: JUNE)
    applied = retention_apply(now=JUNE)
    assert (applied.deleted, applied.moved, applied.failed) == (1, 1, 0)
    assert RecordingFile.objects.get(pk=old.pk).deleted_at == JUNE
    assert list(FileClassChange.objects.values_list("file_id", "storage_class", "at")) == [
        (aging.pk, "STANDARD_IA", JUNE)
    ]
    monkeypatch.undo()

    after = june_storage(now=datetime(2027, 7, 2, tzinfo=BILLING_TZ))  # the month over
    assert after == 10 * 30 * Decimal("0.0006") + 10 * 30 * Decimal("0.0009")
    assert before - after == preview.monthly_saving_usd  # to the cent, and here exactly
    assert after == planned


def test_an_early_deletion_shows_in_the_report_as_the_preview_charged_it(
    emulator: RunningEmulator, manager: User, settings, monkeypatch
) -> None:
    """Kept 60 days, IA after 3: the job moves a file to IA on May 22 and deletes it on June 1, 10 days into
    IA's 30-day minimum. June's storage falls by the month of IA it no longer uses (10 x 0.0006 x 30 = 0.18) but
    gains the 20 days Tencent still bills (10 x 0.0006 x 20 = 0.12): the preview's saving less its charge."""
    settings.TENCENT_REGION = "ap-singapore"
    room = RoomFactory.create()
    policy = retention_policy_save(
        client_app=room.client_app, data={"keep_days": 60, "standard_ia_after_days": 3}, actor=manager
    )
    vod_file(emulator, room, days_old=60, gib=10)
    for moment in (JUNE - timedelta(days=10), JUNE):  # time moves forward: the job's runs on both days
        if moment == JUNE:
            preview = retention_preview(policy=policy, now=JUNE)
            before = june_storage(now=JUNE)
        monkeypatch.setattr("django.utils.timezone.now", lambda moment=moment: moment)
        assert retention_apply(now=moment).failed == 0
        monkeypatch.undo()
    assert (preview.monthly_saving_usd, preview.early_deletion_usd) == (Decimal("0.18"), Decimal("0.12"))
    assert before == 10 * 30 * Decimal("0.0006")
    after = june_storage(now=datetime(2027, 7, 2, tzinfo=BILLING_TZ))
    assert after == 10 * 20 * Decimal("0.0006")
    assert before - after == preview.monthly_saving_usd - preview.early_deletion_usd


def test_files_stored_all_month_outside_any_policy_are_summed_by_the_database(settings) -> None:
    settings.TENCENT_REGION = "ap-singapore"
    room = RoomFactory.create()
    # Never moved, no policy: the database sums them per room and the day they were stored on.
    for gib in (4, 6):  # stored all June
        make_file(room=room, file_id=f"whole-{gib}", start=JUNE - timedelta(days=50), size_bytes=gib * GIB)
    make_file(room=room, file_id="late", start=JUNE + timedelta(days=20), size_bytes=GIB)  # 10 days of June
    stored = stored_files(JUNE.date())
    summed = sorted((w.room_id, w.storage, w.size_bytes, w.first_day) for w in stored.whole_month)
    assert summed == [(room.pk, "vod", GIB, 20), (room.pk, "vod", 10 * GIB, -1)] and stored.files == []
    june = cost_report(month=JUNE.date(), now=datetime(2027, 7, 2, tzinfo=BILLING_TZ)).report
    # 10 GiB x 30 days + 1 GiB x (10 days less the minute of recording) at 0.0009
    late_days = Decimal(10) - Decimal(60) / 86400
    assert june.actual.storage_cost == june.estimate.storage_cost
    assert june.actual.storage_cost == pytest.approx(
        10 * 30 * Decimal("0.0009") + late_days * Decimal("0.0009")
    )
