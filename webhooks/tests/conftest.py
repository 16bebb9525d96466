from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from webhooks.tests.receiver import Receiver


@pytest.fixture(autouse=True)
def webhook_settings(settings):  # type: ignore[no-untyped-def]
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 0.05
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 0.2
    return settings


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def build(**kwargs: object) -> Receiver:
        r = Receiver(**kwargs).start()  # type: ignore[arg-type]
        started.append(r)
        return r

    yield build
    for r in started:
        r.stop()
