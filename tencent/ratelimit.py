"""A sliding-window rate limiter per Tencent action, shared by every process through Redis.

Each action has a sorted set of the grant times of its last second. A Lua script (atomic on the Redis server,
timed by the server's own clock so workers on different hosts agree) drops entries older than the window and
either grants a slot or says how long until the oldest entry leaves the window. Callers sleep that long and
try again, up to a bound; Tencent's documented per-second limits are thus never exceeded by the console.

Without Redis the limiter fails closed: the call is refused with `RateLimiterUnavailable`, which the gateway
reports as a transient throttling error, so the orchestration retries it later instead of calling Tencent
unthrottled from every worker at once. Nothing runs jobs while Redis is down anyway (the queues live there);
only a pass already in flight, or a page asking Tencent, meets the refusal.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass

import redis

logger = logging.getLogger(__name__)

# A little more than a second: grants travel to Tencent with a few ms of jitter, and a limit met exactly at the
# window's edge could otherwise be seen as one request too many by Tencent's own counter.
WINDOW_MS = 1050

# KEYS[1] = the action's window; ARGV = limit, window ms, unique member.
# Returns {1, granted_at_us} or {0, wait_ms}.
_ACQUIRE = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local window_us = tonumber(ARGV[2]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_us - window_us)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_us, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return {1, now_us}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait_us = tonumber(oldest[2]) + window_us - now_us
return {0, math.max(1, math.ceil(wait_us / 1000))}
"""


class RateLimitTimeout(Exception):
    """No slot became free within the caller's bound."""


class RateLimiterUnavailable(RateLimitTimeout):
    """Redis could not be asked for a slot: treated as no slot (fail closed), transient like throttling."""


@dataclass(frozen=True)
class Grant:
    at: float  # Redis server time of the grant, unix seconds
    waited_s: float


class RateLimiter:
    def __init__(self, client: redis.Redis, *, prefix: str = "cnr:tencent:rate") -> None:
        self._redis = client
        self._prefix = prefix
        self._script = client.register_script(_ACQUIRE)

    def acquire(self, action: str, *, per_second: int, max_wait_s: float) -> Grant:
        """Block until `action` may be called without exceeding `per_second`; raise RateLimitTimeout after max_wait_s."""
        started = time.monotonic()
        key = f"{self._prefix}:{action}"
        while True:
            try:
                granted, value = self._script(keys=[key], args=[per_second, WINDOW_MS, uuid.uuid4().hex])
            except redis.RedisError as exc:
                logger.warning("Rate limiter unavailable (Redis: %s); %s not called", exc, action)
                raise RateLimiterUnavailable(
                    f"{action}: not called, the rate limiter's Redis is unavailable ({exc}); retry later"
                ) from exc
            if granted:
                return Grant(at=int(value) / 1_000_000, waited_s=time.monotonic() - started)
            # A little jitter so waiters woken together do not all race for the same freed slot.
            wait_s = int(value) / 1000 + random.uniform(0, 0.01)
            if time.monotonic() - started + wait_s > max_wait_s:
                raise RateLimitTimeout(f"{action}: no slot within {max_wait_s:g} s at {per_second}/s")
            time.sleep(wait_s)


_limiters: dict[str, RateLimiter] = {}
_lock = threading.Lock()


def limiter_for(url: str) -> RateLimiter:
    """One limiter (and Redis connection pool) per Redis URL per process."""
    with _lock:
        if url not in _limiters:
            _limiters[url] = RateLimiter(
                redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
            )
        return _limiters[url]
