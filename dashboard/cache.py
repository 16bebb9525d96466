"""The Redis cache, for which an outage is a miss rather than an error.

Everything the console caches (CSS's online list, push samples, cost figures) can be recomputed, so while Redis
is down a read misses and a write is dropped, and the page is built from the database and Tencent directly. The
time of the last failure (cleared by the next read that succeeds) is kept so a page can say why it is slower or
less complete (`redis_unavailable`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis import RedisError

logger = logging.getLogger(__name__)

# A failure this recent means "Redis is down now" for the page being built.
RECENT_SECONDS = 15.0
_last_failure = 0.0


def redis_unavailable() -> bool:
    """The cache could not reach Redis within the last few seconds (in this process)."""
    return _last_failure > 0 and time.monotonic() - _last_failure < RECENT_SECONDS


def _failed(operation: str, exc: RedisError) -> None:
    global _last_failure
    if not redis_unavailable():  # once per spell, not on every cache call
        logger.warning("Cache unavailable (Redis: %s); %s treated as a miss", exc, operation)
    _last_failure = time.monotonic()


def _answered() -> None:
    global _last_failure
    _last_failure = 0.0


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {"socket_connect_timeout": 2, "socket_timeout": 5, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            value = super().get(key, default, version)
        except RedisError as exc:
            _failed("get", exc)
            return default
        _answered()  # Redis is back: pages stop saying it is away
        return value

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            _failed("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().has_key(key, version))
        except RedisError as exc:
            _failed("has_key", exc)
            return False

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            _failed("set", exc)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return bool(super().add(key, value, timeout, version))
        except RedisError as exc:
            _failed("add", exc)
            return False

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        try:
            return list(super().set_many(data, timeout, version))
        except RedisError as exc:
            _failed("set_many", exc)
            return list(data)

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().delete(key, version))
        except RedisError as exc:
            _failed("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except RedisError as exc:
            _failed("delete_many", exc)
