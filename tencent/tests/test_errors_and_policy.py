from __future__ import annotations

import random
from typing import Any

import pytest
from qcloud_cos.cos_exception import CosClientError, CosServiceError
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tencent import policy
from tencent.errors import TencentError
from tencent.gateway import map_exception


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("RequestLimitExceeded", True),
        ("RequestLimitExceeded.UinLimitExceeded", True),
        ("LimitExceeded.RateLimitExceeded", True),
        ("InternalError", True),
        ("InternalError.SystemError", True),
        ("ClientNetworkError", True),
        ("ServerNetworkError", True),
        ("LimitExceeded.MaximumRunningTask", False),
        ("ResourceNotFound.NoIdle", False),
        ("AuthFailure.SignatureFailure", False),
        ("InvalidParameter.InvalidTaskTime", False),
        ("InternalErrorish", False),
    ],
)
def test_sdk_errors_map_to_tencent_error(code: str, retryable: bool) -> None:
    error = map_exception(TencentCloudSDKException(code, "msg", "req-1"), action="CreateRecordTask")
    assert (error.code, error.message, error.request_id, error.action) == (
        code,
        "msg",
        "req-1",
        "CreateRecordTask",
    )
    assert error.retryable is retryable


def test_server_network_error_body_is_decoded_and_bounded() -> None:
    error = map_exception(TencentCloudSDKException("ServerNetworkError", b"x" * 5000), action="A")
    assert error.message == "x" * 2000 and error.request_id == "" and error.retryable


def test_is_code_matches_dotted_prefixes_only() -> None:
    error = TencentError(code="ResourceNotFound.NoIdle", message="", action="ApplyConcurrent")
    assert error.is_code("ResourceNotFound.NoIdle")
    assert error.is_code("FailedOperation", "ResourceNotFound")
    assert not error.is_code("ResourceNotFound.No", "FailedOperation")
    assert "ApplyConcurrent failed: ResourceNotFound.NoIdle" in str(error)


def test_cos_service_errors_map_with_their_code_and_request_id() -> None:
    info = {"code": "NoSuchBucket", "message": "gone", "resource": "/", "requestid": "cos-1", "traceid": "t"}
    error = map_exception(CosServiceError("GET", info, 404), action="ListObjects")
    assert (error.code, error.message, error.request_id, error.retryable) == (
        "NoSuchBucket",
        "gone",
        "cos-1",
        False,
    )
    assert map_exception(CosServiceError("GET", {**info, "code": "SlowDown"}, 503), action="X").retryable


def test_cos_client_errors_are_network_errors() -> None:
    error = map_exception(CosClientError("timed out"), action="DeleteObject")
    assert (error.code, error.retryable) == ("ClientNetworkError", True)


def test_other_exceptions_are_not_swallowed() -> None:
    with pytest.raises(KeyError):
        map_exception(KeyError("bug"), action="A")


@pytest.mark.parametrize(
    "action",
    [
        "DescribeRecordTask",
        "DescribeConcurrentCount",
        "SearchMedia",
        "ApplyConcurrent",
        "DestroySession",
        "StopPublishStream",
        "StopRecordTask",
        "DeleteRecordTask",
        "DeleteMedia",
        "ListObjects",
        "DeleteObject",
    ],
)
def test_idempotent_actions_are_retried(action: str, settings: Any) -> None:
    settings.TENCENT_RETRY_ATTEMPTS = 4
    assert policy.max_attempts(action) == 4


@pytest.mark.parametrize(
    "action", ["CreateSession", "StartPublishStream", "CreateRecordTask", "DropLiveStream"]
)
def test_non_idempotent_actions_get_one_attempt(action: str, settings: Any) -> None:
    settings.TENCENT_RETRY_ATTEMPTS = 4
    assert policy.max_attempts(action) == 1


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings: Any) -> None:
    settings.TENCENT_RETRY_BASE_SECONDS = 0.2
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(policy.BACKOFF_CAP_SECONDS, 0.2 * 2 ** (attempt - 1))
        delays = [policy.backoff_delay(attempt, rng=rng) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole range…
        assert len(set(delays)) > 150  # …and is not a fixed delay


def test_documented_rate_limits() -> None:
    assert policy.rate_limit("StartPublishStream") == 20
    assert policy.rate_limit("CreateRecordTask") == 20
    assert policy.rate_limit("ApplyConcurrent") == 100
    assert policy.rate_limit("DestroySession") == 100
    assert policy.rate_limit("DescribeLiveStreamState") == 20
    assert policy.rate_limit("ListObjects") is None


def test_tencent_errors_survive_pickling() -> None:
    import pickle

    error = TencentError(code="InternalError", message="m", action="A", request_id="r")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.action, copy.request_id, copy.retryable) == (
        "InternalError",
        "m",
        "A",
        "r",
        True,
    )
