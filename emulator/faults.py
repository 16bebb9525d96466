"""Fault injection: per-action errors, latency and throttling, plus pushes that die early.

Throttling also models Tencent's documented per-action request rates (a token bucket per action holding one
second's worth of requests), so a client without its own limiter meets `RequestLimitExceeded` as in production.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from emulator.envelope import ApiError

THROTTLE_CODE = "RequestLimitExceeded"
# Documented request rates (requests per second); undocumented Tencent actions default to 20/s.
DOCUMENTED_RATES: dict[str, float] = {
    "ApplyConcurrent": 100,
    "CreateSession": 100,
    "DestroySession": 100,
    "StartPublishStream": 20,
    "StartPublishStreamWithURL": 20,
    "StopPublishStream": 20,
    "CreateRecordTask": 20,
}
DEFAULT_RATE = 20.0
# The chaos profile's background errors: CAR's documented transient codes (SDK car/v20220110/errorcodes.py), per
# action that may answer them. Each is answered before the action runs, so it never takes effect half-way.
CHAOS_CODES: dict[str, tuple[str, ...]] = {
    "ApplyConcurrent": ("FailedOperation.SlowDown", "ResourceUnavailable.Initialization"),
    "CreateSession": (
        "FailedOperation.SlowDown",
        "ResourceUnavailable.Initialization",
        "FailedOperation.ProcessTimeout",
    ),
    "StartPublishStream": ("FailedOperation.SlowDown", "ResourceUnavailable.Initialization"),
    "StopPublishStream": ("FailedOperation.SlowDown",),
    "DestroySession": ("FailedOperation.SlowDown", "FailedOperation.ProcessTimeout"),
}


@dataclass
class ActionFault:
    error_code: str = ""
    error_message: str = ""
    rate: float = 1.0
    count: int | None = None  # remaining injected errors; None = unlimited
    latency_s: float = 0.0
    throttle_per_s: float | None = None
    throttle_code: str = THROTTLE_CODE


class _Bucket:
    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self.tokens = max(per_second, 1.0)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(max(self.per_second, 1.0), self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Faults:
    def __init__(
        self, *, enforce_documented_rates: bool = True, seed: int | None = None, chaos_rate: float = 0.0
    ) -> None:
        self._lock = threading.Lock()
        self._actions: dict[str, ActionFault] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._enforce = enforce_documented_rates
        self._random = random.Random(seed)
        self.push_die_after_s: float | None = None
        # Probability that a CAR call answers one of its CHAOS_CODES (the chaos profile; 0 = strict).
        self.chaos_rate = chaos_rate

    def set_action(self, action: str, **changes: Any) -> None:
        with self._lock:
            fault = self._actions.setdefault(action, ActionFault())
            for name, value in changes.items():
                if not hasattr(fault, name):
                    raise ValueError(f"unknown fault setting {name!r}")
                setattr(fault, name, value)
            self._buckets.pop(action, None)

    def clear(self) -> None:
        with self._lock:
            self._actions.clear()
            self._buckets.clear()
            self.push_die_after_s = None

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "actions": {name: asdict(fault) for name, fault in self._actions.items()},
                "push": {"die_after_s": self.push_die_after_s},
                "enforce_documented_rates": self._enforce,
                "chaos_rate": self.chaos_rate,
            }

    def before(self, action: str, *, documented_rates: bool = True) -> None:
        """Apply the action's faults before it runs: sleep, throttle, or raise an injected error.

        `documented_rates=False` for COS: its requests per second per bucket are in the thousands, so only a
        throttle asked for (`throttle_per_s`) limits them."""
        with self._lock:
            fault = self._actions.get(action)
            latency = fault.latency_s if fault else 0.0
        if latency > 0:
            time.sleep(latency)
        with self._lock:
            per_second = fault.throttle_per_s if fault and fault.throttle_per_s is not None else None
            if per_second is None and self._enforce and documented_rates:
                per_second = DOCUMENTED_RATES.get(action, DEFAULT_RATE)
            if per_second is not None:
                bucket = self._buckets.get(action)
                if bucket is None or bucket.per_second != per_second:
                    bucket = self._buckets[action] = _Bucket(per_second)
                if not bucket.take():
                    code = fault.throttle_code if fault else THROTTLE_CODE
                    raise ApiError(
                        code, "Your request frequency has exceeded the limit, please try again later."
                    )
            armed = fault is not None and fault.error_code and (fault.count is None or fault.count > 0)
            if fault is not None and armed and self._random.random() < fault.rate:
                if fault.count is not None:
                    fault.count -= 1
                raise ApiError(fault.error_code, fault.error_message or f"Injected fault for {action}.")
            codes = CHAOS_CODES.get(action)
            if codes and self.chaos_rate > 0 and self._random.random() < self.chaos_rate:
                raise ApiError(self._random.choice(codes), f"{action}: transient error (chaos profile).")
