"""The one road every Tencent call takes: rate limit → call → map errors → record the attempt → retry or not.

`call_api` drives the typed methods of the real SDK clients (CAR, CSS, VOD) with a plain dict of parameters and
returns the response as a plain dict; `execute` is the general form, also used for COS.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone
from qcloud_cos.cos_exception import CosClientError, CosServiceError
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from dashboard.observability import metrics
from tencent import calllog, clients, policy
from tencent.context import current_session_id
from tencent.errors import TencentError
from tencent.ratelimit import RateLimitTimeout, SlotDeferred, is_deferring, limiter_for
from tencent.redaction import redact

logger = logging.getLogger(__name__)

T = TypeVar("T")

MESSAGE_LIMIT = 2000
LOCAL_RATE_LIMIT_CODE = "RequestLimitExceeded.GatewayQueue"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value or "")[:MESSAGE_LIMIT]


def map_exception(exc: Exception, *, action: str) -> TencentError:
    """Turn anything the SDKs raise into a TencentError (the only exception the gateway lets out)."""
    if isinstance(exc, TencentError):
        return exc
    if isinstance(exc, TencentCloudSDKException):
        return TencentError(
            code=_text(exc.code) or "UnknownError",
            message=_text(exc.message),
            request_id=_text(exc.requestId),
            action=action,
        )
    if isinstance(exc, CosServiceError):
        status = exc.get_status_code()
        code = exc.get_error_code()
        request_id = exc.get_request_id()
        return TencentError(
            code=_text(code) if code and code != "Unknown" else f"HTTP{status}",
            message=_text(exc.get_error_msg()),
            request_id="" if request_id == "Unknown" else _text(request_id),
            action=action,
            # Any 5xx is COS's own passing trouble; below that the action's table decides (SlowDown, …).
            retryable=True if status >= 500 else None,
        )
    if isinstance(exc, CosClientError):
        return TencentError(code="ClientNetworkError", message=_text(exc), action=action)
    raise exc


def _acquire_slot(action: str) -> None:
    """A rate-limit slot for one attempt. An orchestration job (`ratelimit.deferring()`, a session in context)
    never waits here: without a free slot it gets `SlotDeferred` and reschedules itself for its place in line."""
    per_second = policy.rate_limit(action)
    if per_second is None:
        return
    limiter = limiter_for(settings.REDIS_URL)
    session_id = current_session_id()
    try:
        if is_deferring() and session_id is not None:
            try:
                grant = limiter.reserve(action, per_second=per_second, owner=f"session:{session_id}")
            except SlotDeferred as deferred:
                metrics.throttle_wait(action=action, seconds=deferred.wait_s)
                raise
        else:
            grant = limiter.acquire(
                action, per_second=per_second, max_wait_s=settings.TENCENT_RATE_LIMIT_WAIT_SECONDS
            )
    except RateLimitTimeout as exc:  # RateLimiterUnavailable too: without Redis the limiter fails closed
        raise TencentError(code=LOCAL_RATE_LIMIT_CODE, message=str(exc), action=action) from exc
    metrics.throttle_wait(action=action, seconds=grant.waited_s)


def execute(
    *,
    service: str,
    action: str,
    params: dict[str, Any],
    invoke: Callable[[], T],
    request_id_of: Callable[[T], str],
) -> T:
    attempts = policy.max_attempts(action)
    logged_params = redact(params)
    session_id = current_session_id()
    for attempt in range(1, attempts + 1):
        started_at = timezone.now()
        started = time.monotonic()
        try:
            _acquire_slot(action)
            started_at, started = timezone.now(), time.monotonic()
            result = invoke()
        except (TencentError, TencentCloudSDKException, CosServiceError, CosClientError) as exc:
            error = map_exception(exc, action=action)
            calllog.record(
                service=service,
                action=action,
                request=logged_params,
                started_at=started_at,
                duration_ms=round((time.monotonic() - started) * 1000),
                outcome="error",
                error_code=error.code[:128],
                error_message=error.message,
                request_id=error.request_id[:64],
                attempt=attempt,
                session_id=session_id,
            )
            if not error.retryable or attempt == attempts:
                raise error from exc
            time.sleep(policy.backoff_delay(attempt))
            continue
        calllog.record(
            service=service,
            action=action,
            request=logged_params,
            started_at=started_at,
            duration_ms=round((time.monotonic() - started) * 1000),
            outcome="ok",
            request_id=request_id_of(result)[:64],
            attempt=attempt,
            session_id=session_id,
        )
        return result
    raise AssertionError("unreachable: the last attempt returns or raises")


def call_api(service: clients.Service, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call `action` of `service` through its typed SDK method; the response's fields as a dict."""

    def invoke() -> dict[str, Any]:
        request = getattr(service.models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        response = getattr(clients.api_client(service), action)(request)
        return dict(json.loads(response.to_json_string()))

    return execute(
        service=service.name,
        action=action,
        params=params,
        invoke=invoke,
        request_id_of=lambda response: str(response.get("RequestId") or ""),
    )
