"""tencent/error_table.py entry by entry: every code is one the SDK lists for its service (or a common / COS /
transport code), every entry names its source, and the kinds the orchestration depends on are what they are."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import tencentcloud

from tencent import clients
from tencent.error_table import (
    CAR_TABLES,
    COMMON,
    COMMON_EXACT,
    CSS_TABLES,
    TABLES,
    VOD_TABLES,
    Kind,
    classify,
)
from tencent.errors import TencentError
from tencent.gateway import call_api
from tencent.tests.fake_tencent import FakeTencent

SDK = Path(tencentcloud.__file__).parent


def sdk_codes(service: str, version: str) -> set[str]:
    text = (SDK / service / version / "errorcodes.py").read_text(encoding="utf-8")
    return set(re.findall(r"^[A-Z_0-9]+ = '([^']+)'", text, flags=re.MULTILINE))


SERVICE_CODES = {
    "car": sdk_codes("car", "v20220110"),
    "live": sdk_codes("live", "v20180801"),
    "vod": sdk_codes("vod", "v20180717"),
}
ENTRIES = [
    (service, action, code, rule)
    for service, tables in (("car", CAR_TABLES), ("live", CSS_TABLES), ("vod", VOD_TABLES))
    for action, table in tables.items()
    for code, rule in table.items()
]


@pytest.mark.parametrize(("service", "action", "code", "rule"), ENTRIES, ids=lambda v: str(v)[:60])
def test_every_entry_is_a_code_of_its_service_with_a_source(
    service: str, action: str, code: str, rule
) -> None:  # type: ignore[no-untyped-def]
    assert code in SERVICE_CODES[service] or code in COMMON, f"{code} is not an error code of {service}"
    assert rule.source.strip()
    assert classify(action, code) == rule  # the entry itself decides, not a shorter prefix


def test_common_entries_have_sources() -> None:
    assert all(rule.source.strip() for rule in {**COMMON, **COMMON_EXACT}.values())


@pytest.mark.parametrize(
    ("action", "code", "kind"),
    [
        # CAR's transient codes are retried, whatever the action.
        ("ApplyConcurrent", "FailedOperation.SlowDown", Kind.TRANSIENT),
        ("ApplyConcurrent", "ResourceUnavailable.Initialization", Kind.TRANSIENT),
        ("CreateSession", "FailedOperation.ProcessTimeout", Kind.TRANSIENT),
        ("StartPublishStream", "FailedOperation.SlowDown", Kind.TRANSIENT),
        ("DestroySession", "FailedOperation.ProcessTimeout", Kind.TRANSIENT),
        ("ApplyConcurrent", "ResourceNotFound.NoIdle", Kind.NO_IDLE),
        ("CreateSession", "FailedOperation.LockTimeout", Kind.REAPPLY),
        ("DestroySession", "ResourceNotFound.SessionNotFound", Kind.GONE),
        ("StopPublishStream", "ResourceNotFound.SessionNotFound", Kind.GONE),
        ("StopPublishStream", "FailedOperation", Kind.PERMANENT),
        ("StartPublishStream", "FailedOperation", Kind.PERMANENT),
        # Bare InternalError is transient; CSS's InternalError.* about the request or the account are not.
        ("CreateRecordTask", "InternalError", Kind.TRANSIENT),
        ("CreateRecordTask", "InternalError.SystemError", Kind.TRANSIENT),
        ("CreateRecordTask", "InternalError.PushDomainNoRecord", Kind.PERMANENT),
        ("CreateRecordTask", "InternalError.InvalidInput", Kind.PERMANENT),
        ("DescribeLiveStreamState", "InternalError.NotFound", Kind.PERMANENT),
        ("DescribeLiveStreamState", "InternalError.SomethingNew", Kind.PERMANENT),
        ("StopRecordTask", "ResourceNotFound.TaskId", Kind.GONE),
        ("DeleteMedia", "ResourceNotFound.FileNotExist", Kind.GONE),
        ("CreateRecordTask", "RequestLimitExceeded.UinLimitExceeded", Kind.TRANSIENT),
        ("CreateRecordTask", "LimitExceeded.RateLimitExceeded", Kind.TRANSIENT),
        ("CreateRecordTask", "LimitExceeded.MaximumRunningTask", Kind.PERMANENT),
        ("AnyAction", "AuthFailure.SignatureFailure", Kind.PERMANENT),
        ("AnyAction", "SomethingUnheardOf", Kind.PERMANENT),
        ("DeleteObject", "NoSuchKey", Kind.GONE),
    ],
)
def test_kinds_the_orchestration_depends_on(action: str, code: str, kind: Kind) -> None:
    assert classify(action, code).kind == kind
    error = TencentError(code=code, message="m", action=action)
    assert error.kind == kind
    assert error.retryable is (kind == Kind.TRANSIENT)


def test_every_action_the_console_calls_has_a_table() -> None:
    called = {"ApplyConcurrent", "CreateSession", "StartPublishStream", "StopPublishStream", "DestroySession"}
    called |= {"CreateRecordTask", "StopRecordTask", "DescribeRecordTask", "DescribeLiveStreamState"}
    assert called <= set(TABLES)


def test_a_misspelled_parameter_fails_the_test_instead_of_vanishing(fake: FakeTencent) -> None:
    # pyproject's filterwarnings turns the SDK's "… fileds are useless." warning into an error.
    with pytest.raises(UserWarning, match="fileds are useless"):
        call_api(clients.CAR, "StopPublishStream", {"UserId": "u", "UserID": "u"})
    with warnings.catch_warnings(record=True):  # the filter is the suite's, not the gateway's
        warnings.simplefilter("ignore")
        assert fake.received == []
