"""The one exception every gateway function raises, whatever went wrong (Tencent error, COS error, network)."""

from __future__ import annotations

from tencent.error_table import Kind, classify, code_matches


def is_retryable_code(code: str, action: str = "") -> bool:
    """Whether `action` answering `code` is worth trying again (tencent/error_table.py decides)."""
    return classify(action, code).kind == Kind.TRANSIENT


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
        self.retryable = is_retryable_code(code, action) if retryable is None else retryable
        super().__init__(str(self))

    def __str__(self) -> str:
        suffix = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.action} failed: {self.code}: {self.message}{suffix}"

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only __init__: rebuild from the attributes so the error survives pickling (RQ, multiprocessing).
        return (_rebuild, (self.code, self.message, self.action, self.request_id, self.retryable))

    @property
    def kind(self) -> Kind:
        """What the code means for this action: transient, permanent, gone, no idle concurrency, re-apply."""
        listed = classify(self.action, self.code).kind
        if self.retryable:
            return Kind.TRANSIENT  # the table or the transport said so (a COS 5xx)
        return Kind.PERMANENT if listed == Kind.TRANSIENT else listed

    def is_code(self, *prefixes: str) -> bool:
        return any(code_matches(self.code, prefix) for prefix in prefixes)


def _rebuild(code: str, message: str, action: str, request_id: str, retryable: bool) -> TencentError:
    return TencentError(code=code, message=message, action=action, request_id=request_id, retryable=retryable)
