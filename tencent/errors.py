"""The one exception every gateway function raises, whatever went wrong (Tencent error, COS error, network)."""

from __future__ import annotations

# Codes worth trying again: throttling, Tencent's own internal errors, and failures of the transport itself.
_RETRYABLE_PREFIXES = (
    "RequestLimitExceeded",
    "LimitExceeded.RateLimitExceeded",
    "InternalError",
    "ClientNetworkError",
    "ServerNetworkError",
)


def code_matches(code: str, prefix: str) -> bool:
    """Dotted-prefix match: "ResourceNotFound" matches "ResourceNotFound.NoIdle" but not "ResourceNotFoundX"."""
    return code == prefix or code.startswith(prefix + ".")


def is_retryable_code(code: str) -> bool:
    return any(code_matches(code, prefix) for prefix in _RETRYABLE_PREFIXES)


class TencentError(Exception):
    """A failed Tencent Cloud call. `code` is Tencent's code, or ClientNetworkError/ServerNetworkError."""

    def __init__(
        self,
        *,
        code: str,
        message: str,
        action: str,
        request_id: str = "",
        retryable: bool | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.action = action
        self.request_id = request_id
        self.retryable = is_retryable_code(code) if retryable is None else retryable
        super().__init__(str(self))

    def __str__(self) -> str:
        suffix = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.action} failed: {self.code}: {self.message}{suffix}"

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only __init__: rebuild from the attributes so the error survives pickling (RQ, multiprocessing).
        return (_rebuild, (self.code, self.message, self.action, self.request_id, self.retryable))

    def is_code(self, *prefixes: str) -> bool:
        return any(code_matches(self.code, prefix) for prefix in prefixes)


def _rebuild(code: str, message: str, action: str, request_id: str, retryable: bool) -> TencentError:
    return TencentError(code=code, message=message, action=action, request_id=request_id, retryable=retryable)
