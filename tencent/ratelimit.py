"""A sliding-window rate limiter per Tencent action, shared by every process through Redis.

Each action has a sorted set of the grant times of its last second. A Lua script (atomic on the Redis server,
timed by the server's own clock so workers on different hosts agree) drops entries older than the window and
either grants a slot or says how long until the oldest entry leaves the window. Tencent's documented
per-second limits are thus never exceeded by the console: a slot is only ever granted for "now", and only when
the window of actual grant times has room.

Two ways to wait for a slot:
- `acquire` (pages, reconciliation, one-off calls): sleep until the window has room, up to a bound.
- `reserve` (orchestration jobs, inside `deferring()`): never sleeps. A caller that gets no slot is given a
  place in the action's line — a wake-up time, spaced `window / limit` after the previous one, so the line is
  served at exactly the configured rate — and its job is rescheduled for that time; a worker is never held
  waiting for a token. On its return the caller (known by its owner key, the recording session) is let
  through ahead of newcomers, who queue behind the line instead of taking the slot it was promised. A place
  is only an appointment, never a grant: the returning caller is still checked against the window of actual
  grants, so a caller back late (a busy queue) can never push the rate over the limit; it queues again.

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
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# KEYS[1] = the action's window, KEYS[2] = its line (owner → wake-up, unix µs), KEYS[3] = the line's tail (the
# next free wake-up, unix µs); ARGV = limit, window ms, unique member, owner.
# Returns {1, granted_at_us} or {0, wait_us}.
_RESERVE = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2]) * 1000
local owner = ARGV[4]
local spacing = math.floor(window_us / limit)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_us - window_us)
local returning = false
local promised = redis.call('HGET', KEYS[2], owner)
if promised then
  promised = tonumber(promised)
  if promised > now_us then
    return {0, promised - now_us}
  end
  redis.call('HDEL', KEYS[2], owner)
  returning = true
end
local tail = tonumber(redis.call('GET', KEYS[3]) or '0')
local count = redis.call('ZCARD', KEYS[1])
if count < limit and (returning or tail <= now_us) then
  redis.call('ZADD', KEYS[1], now_us, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return {1, now_us}
end
local free_at = now_us
if count >= limit then
  local freeing = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  free_at = tonumber(freeing[2]) + window_us
end
local wake = math.max(free_at, tail, now_us)
local keep_ms = math.ceil((wake + spacing - now_us) / 1000) + tonumber(ARGV[2]) * 2
redis.call('SET', KEYS[3], string.format('%d', wake + spacing), 'PX', keep_ms)
redis.call('HSET', KEYS[2], owner, string.format('%d', wake))
redis.call('PEXPIRE', KEYS[2], keep_ms)
return {0, math.max(1, wake - now_us)}
"""

_deferring: ContextVar[bool] = ContextVar("tencent_rate_limit_deferring", default=False)


@contextmanager
def deferring() -> Iterator[None]:
    """Inside: a call that finds no free slot raises `SlotDeferred` instead of sleeping (orchestration jobs)."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)


def is_deferring() -> bool:
    return _deferring.get()


class SlotDeferred(Exception):
    """No slot now: the caller has a place in the action's line and should come back in `wait_s` (nothing
    was sent to Tencent)."""

    def __init__(self, action: str, wait_s: float) -> None:
        super().__init__(f"{action}: no free slot now; a place in line in {wait_s:.3f} s")
        self.action = action
        self.wait_s = wait_s


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
        self._reserve = client.register_script(_RESERVE)

    def reserve(self, action: str, *, per_second: int, owner: str) -> Grant:
        """A slot now, or `SlotDeferred` with the owner's place in the action's line (never sleeps)."""
        key = f"{self._prefix}:{action}"
        try:
            granted, value = self._reserve(
                keys=[key, f"{key}:line", f"{key}:tail"],
                args=[per_second, WINDOW_MS, uuid.uuid4().hex, owner],
            )
        except redis.RedisError as exc:
            logger.warning("Rate limiter unavailable (Redis: %s); %s not called", exc, action)
            raise RateLimiterUnavailable(
                f"{action}: not called, the rate limiter's Redis is unavailable ({exc}); retry later"
            ) from exc
        if granted:
            return Grant(at=int(value) / 1_000_000, waited_s=0.0)
        raise SlotDeferred(action, int(value) / 1_000_000)

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
