"""The Redis limiter: never more than N grants in any one-second window, across threads and processes."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from typing import Any

import pytest
import redis
from django.conf import settings

from tencent import car, css, policy
from tencent.errors import TencentError
from tencent.gateway import LOCAL_RATE_LIMIT_CODE
from tencent.models import ApiCall
from tencent.ratelimit import RateLimiter, RateLimitTimeout, limiter_for
from tencent.tests.fake_tencent import FakeTencent, Reply

PER_SECOND = 8
PER_WORKER = 6


def _grab(url: str, action: str, count: int) -> list[float]:
    limiter = RateLimiter(redis.Redis.from_url(url))
    return [limiter.acquire(action, per_second=PER_SECOND, max_wait_s=30).at for _ in range(count)]


def _grab_into(url: str, action: str, count: int, results: Any) -> None:
    results.put(_grab(url, action, count))


def test_grants_never_exceed_the_rate_in_any_second_across_processes_and_threads() -> None:
    url, action = settings.REDIS_URL, f"Test{uuid.uuid4().hex}"
    context = multiprocessing.get_context("fork")
    results: Any = context.Queue()
    processes = [
        context.Process(target=_grab_into, args=(url, action, PER_WORKER, results)) for _ in range(2)
    ]
    thread_grants: list[list[float]] = []
    threads = [
        threading.Thread(target=lambda: thread_grants.append(_grab(url, action, PER_WORKER)))
        for _ in range(2)
    ]
    workers: list[Any] = [*processes, *threads]
    for worker in workers:
        worker.start()
    grants = [results.get(timeout=30) for _ in processes]
    for worker in workers:
        worker.join(timeout=30)

    times = sorted(t for batch in [*grants, *thread_grants] for t in batch)
    assert len(times) == 4 * PER_WORKER
    # Any one-second window holds at most PER_SECOND grants ⇔ grant i and grant i+PER_SECOND are ≥ 1 s apart.
    assert all(times[i + PER_SECOND] - times[i] >= 0.999 for i in range(len(times) - PER_SECOND))
    # 24 grants at 8/s cannot all be given in under two seconds: callers really waited.
    assert times[-1] - times[0] >= 2 * 0.999


def test_a_caller_gives_up_after_its_bound() -> None:
    limiter = limiter_for(settings.REDIS_URL)
    action = f"Test{uuid.uuid4().hex}"
    limiter.acquire(action, per_second=1, max_wait_s=1)
    with pytest.raises(RateLimitTimeout):
        limiter.acquire(action, per_second=1, max_wait_s=0.05)


@pytest.mark.django_db
def test_the_gateway_reports_a_full_queue_as_a_retryable_tencent_error(
    fake: FakeTencent, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.answer("DropLiveStream", Reply())
    monkeypatch.setitem(policy.RATE_LIMITS, "DropLiveStream", 1)
    settings.TENCENT_RATE_LIMIT_WAIT_SECONDS = 0.05
    limiter_for(settings.REDIS_URL)._redis.delete("cnr:tencent:rate:DropLiveStream")

    css.drop_live_stream(stream_name="s")
    with pytest.raises(TencentError) as caught:
        css.drop_live_stream(stream_name="s")

    assert caught.value.code == LOCAL_RATE_LIMIT_CODE and caught.value.retryable
    assert fake.actions() == ["DropLiveStream"]  # the second call never left the console
    assert list(ApiCall.objects.order_by("id").values_list("outcome", "error_code")) == [
        ("ok", ""),
        ("error", LOCAL_RATE_LIMIT_CODE),
    ]


@pytest.mark.django_db
def test_without_redis_calls_are_refused_as_transient_not_sent_unthrottled(
    fake: FakeTencent, settings: Any
) -> None:
    fake.answer("StopPublishStream", Reply())
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.TENCENT_RETRY_BASE_SECONDS = 0.01

    with pytest.raises(TencentError) as caught:
        car.stop_publish_stream(user_id="u1")

    # Fail closed: the orchestration retries it later (transient), Tencent never saw an unthrottled call.
    assert caught.value.code == LOCAL_RATE_LIMIT_CODE and caught.value.retryable
    assert "rate limiter's Redis is unavailable" in caught.value.message
    assert fake.actions() == []
