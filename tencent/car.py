"""CAR (Cloud Application Rendering, API 2022-01-10): concurrencies and sessions of the cloud app.

Every write returns only a RequestId: the UserId is the only handle on a concurrency and its session.
"""

from __future__ import annotations

from typing import Any

from tencent.clients import CAR
from tencent.gateway import call_api
from tencent.results import CallResult, ConcurrentCount

RUN_WITHOUT_CLIENT = "RunWithoutClient"


def _request_id(response: dict[str, Any]) -> CallResult:
    return CallResult(request_id=str(response.get("RequestId") or ""))


def apply_concurrent(
    *,
    user_id: str,
    user_ip: str,
    project_id: str,
    application_id: str = "",
    application_version_id: str = "",
) -> CallResult:
    params: dict[str, Any] = {"UserId": user_id, "UserIp": user_ip, "ProjectId": project_id}
    if application_id:
        params["ApplicationId"] = application_id
    if application_version_id:
        params["ApplicationVersionId"] = application_version_id
    return _request_id(call_api(CAR, "ApplyConcurrent", params))


def create_session(*, user_id: str, user_ip: str, application_parameters: str = "") -> str:
    """Start the cloud app on the applied concurrency, without a client; returns the ServerSession."""
    params: dict[str, Any] = {
        "UserId": user_id,
        "UserIp": user_ip,
        "ClientSession": "",
        "RunMode": RUN_WITHOUT_CLIENT,
    }
    if application_parameters:
        params["ApplicationParameters"] = application_parameters
    return str(call_api(CAR, "CreateSession", params).get("ServerSession") or "")


def start_publish_stream(*, user_id: str, publish_stream_args: str = "") -> CallResult:
    params: dict[str, Any] = {"UserId": user_id}
    if publish_stream_args:
        params["PublishStreamArgs"] = publish_stream_args
    return _request_id(call_api(CAR, "StartPublishStream", params))


def stop_publish_stream(*, user_id: str) -> CallResult:
    return _request_id(call_api(CAR, "StopPublishStream", {"UserId": user_id}))


def destroy_session(*, user_id: str) -> CallResult:
    return _request_id(call_api(CAR, "DestroySession", {"UserId": user_id}))


def describe_concurrent_count(*, project_id: str, application_category: str | None = None) -> ConcurrentCount:
    params: dict[str, Any] = {"ProjectId": project_id}
    if application_category:
        params["ApplicationCategory"] = application_category
    response = call_api(CAR, "DescribeConcurrentCount", params)
    return ConcurrentCount(
        total=int(response.get("Total") or 0),
        running=int(response.get("Running") or 0),
        request_id=str(response.get("RequestId") or ""),
    )
