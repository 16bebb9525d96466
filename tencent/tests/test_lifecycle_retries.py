"""The storage lifecycle's calls through the gateway meet the emulator's injected faults: a transient code is
tried again (and the call then succeeds), a permanent one is answered at once; both attempts are in the call log.
Nothing is patched: the emulator answers the real SDKs (VOD's API, COS's XML API) with the injected error."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import RunningEmulator
from emulator.tests.test_contract_vod_cos import add_media, add_object
from tencent import cos, policy, vod
from tencent.error_table import Kind
from tencent.errors import TencentError
from tencent.models import ApiCall

pytestmark = [pytest.mark.django_db, pytest.mark.emulator]


@pytest.fixture
def emu(restore_emulator: RunningEmulator, settings: Any) -> RunningEmulator:
    settings.TENCENT_RETRY_ATTEMPTS = 3
    settings.TENCENT_RETRY_BASE_SECONDS = 0.001
    return restore_emulator


def attempts(action: str) -> list[tuple[int, str, str]]:
    return list(
        ApiCall.objects.filter(action=action).order_by("id").values_list("attempt", "outcome", "error_code")
    )


def vod_file(emu: RunningEmulator) -> str:
    return add_media(emu, stream="room-1", created=time.time(), payload=b"v" * 100).file_id


def archived_vod_file(emu: RunningEmulator) -> str:
    file_id = vod_file(emu)
    vod.modify_media_storage_class(file_ids=[file_id], storage_class="ARCHIVE")
    return file_id


# action → (what to call on a fresh emulator file, a documented transient code, a documented permanent code)
VOD_CALLS: dict[str, tuple[Callable[[RunningEmulator], Any], str, str]] = {
    "ModifyMediaInfo": (
        lambda emu: vod.set_media_expiry(file_id=vod_file(emu), expire_at=None),
        "InternalError.UpdateMediaError",
        "InvalidParameterValue.ExpireTime",
    ),
    "ModifyMediaStorageClass": (
        lambda emu: vod.modify_media_storage_class(file_ids=[vod_file(emu)], storage_class="STANDARD_IA"),
        "FailedOperation.TaskDuplicate",
        "InvalidParameterValue.StorageClass",
    ),
    "RestoreMedia": (
        lambda emu: vod.restore_media(file_ids=[archived_vod_file(emu)], restore_day=1, restore_tier="Bulk"),
        "InternalError",
        "InvalidParameterValue.RestoreTier",
    ),
    "ModifyEventConfig": (lambda emu: vod.enable_event_queue(), "InternalError.DBError", "AuthFailure"),
    "PullEvents": (lambda emu: vod.pull_events(), "FailedOperation.NetWorkError", "UnauthorizedOperation"),
    "ConfirmEvents": (
        lambda emu: vod.confirm_events(handles=["h-1"]),
        "RequestLimitExceeded",
        "InvalidParameterValue",
    ),
}


@pytest.mark.parametrize("action", sorted(VOD_CALLS))
def test_vod_lifecycle_calls_retry_transient_codes_only(emu: RunningEmulator, action: str) -> None:
    call, transient, permanent = VOD_CALLS[action]
    assert policy.max_attempts(action) == 3

    emu.inject_fault(action, code=transient, count=1)
    if action == "ConfirmEvents":
        # The emulator refuses an unknown handle: what counts here is that the injected error was tried again.
        with pytest.raises(TencentError):
            call(emu)
        assert attempts(action)[:2] == [(1, "error", transient), (2, "error", "InvalidParameterValue")]
    else:
        call(emu)
        assert attempts(action)[-2:] == [(1, "error", transient), (2, "ok", "")]

    ApiCall.objects.filter(action=action).delete()
    emu.inject_fault(action, code=permanent, count=1)
    with pytest.raises(TencentError) as refused:
        call(emu)
    assert refused.value.code == permanent and refused.value.kind == Kind.PERMANENT
    assert attempts(action) == [(1, "error", permanent)]  # answered at once, never asked again


def cos_object(emu: RunningEmulator, tmp_path: Path, key: str, storage_class: str = "STANDARD") -> str:
    add_object(emu, key, b"c" * 100, tmp_path)
    if storage_class != "STANDARD":
        cos.set_object_storage_class(key=key, storage_class=storage_class)
    return key


COS_CALLS: dict[str, Callable[[RunningEmulator, Path], Any]] = {
    "HeadObject": lambda emu, tmp: cos.head_object(key=cos_object(emu, tmp, "rec/h.mp4")),
    "CopyObject": lambda emu, tmp: cos.set_object_storage_class(
        key=cos_object(emu, tmp, "rec/c.mp4"), storage_class="STANDARD_IA"
    ),
    "RestoreObject": lambda emu, tmp: cos.restore_object(
        key=cos_object(emu, tmp, "rec/r.mp4", "ARCHIVE"), days=1, tier="Bulk"
    ),
    "DeleteObject": lambda emu, tmp: cos.delete_object(key=cos_object(emu, tmp, "rec/d.mp4")),
}


@pytest.mark.parametrize("action", sorted(COS_CALLS))
@pytest.mark.parametrize(("transient", "status"), [("SlowDown", 503), ("InternalError", 500)])
def test_cos_lifecycle_calls_retry_transient_codes_only(
    emu: RunningEmulator, tmp_path: Path, action: str, transient: str, status: int
) -> None:
    call = COS_CALLS[action]
    assert policy.max_attempts(action) == 3 and policy.rate_limit(action) is None

    emu.inject_fault(action, code=transient, count=1)
    call(emu, tmp_path)
    # HEAD has no body: the SDK names the error by its status.
    first = transient if action != "HeadObject" else f"HTTP{status}"
    assert [(attempt, outcome) for attempt, outcome, _ in attempts(action)][-2:] == [(1, "error"), (2, "ok")]
    assert attempts(action)[-2][2] in {first, transient}

    ApiCall.objects.filter(action=action).delete()
    emu.inject_fault(action, code="AccessDenied", count=1)
    with pytest.raises(TencentError) as refused:
        call(emu, tmp_path)
    assert refused.value.kind == Kind.PERMANENT
    assert [(attempt, outcome) for attempt, outcome, _ in attempts(action)] == [(1, "error")]


def test_a_class_change_asked_again_after_it_was_made_succeeds(emu: RunningEmulator, tmp_path: Path) -> None:
    """What a retry after a lost answer meets: Tencent refuses a change to the class a file is already in."""
    file_id = vod_file(emu)
    vod.modify_media_storage_class(file_ids=[file_id], storage_class="STANDARD_IA")
    vod.modify_media_storage_class(file_ids=[file_id], storage_class="STANDARD_IA")
    assert attempts("ModifyMediaStorageClass")[-1] == (1, "error", "InvalidParameterValue.StorageClass")
    assert vod.describe_media_infos(file_ids=[file_id])[0].storage_class == "STANDARD_IA"
    with pytest.raises(TencentError):  # a change Tencent does not allow is still refused
        vod.modify_media_storage_class(file_ids=[archived_vod_file(emu)], storage_class="STANDARD_IA")

    key = cos_object(emu, tmp_path, "rec/twice.mp4", "STANDARD_IA")
    cos.set_object_storage_class(key=key, storage_class="STANDARD_IA")
    assert attempts("CopyObject")[-1] == (1, "error", "InvalidRequest")
    assert cos.head_object(key=key).storage_class == "STANDARD_IA"
