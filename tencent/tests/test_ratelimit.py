"""The Redis limiter: never more than N grants in any one-second window, across threads and processes."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
import uuid
from typing import Any

import pytest
import redis
from django.conf import settings

from tencent import car, css, policy
from tencent.context import api_call_context
from tencent.errors import TencentError
from tencent.gateway import LOCAL_RATE_LIMIT_CODE
from tencent.models import ApiCall
from tencent.ratelimit import WINDOW_MS, RateLimiter, RateLimitTimeout, SlotDeferred, deferring, limiter_for
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


# --- reserve(): the orchestration's way to wait, by rescheduling instead of sleeping -------------------------


def _reserve(limiter: RateLimiter, action: str, owner: str, per_second: int = 4) -> float | None:
    """None when granted now, else the seconds until the owner's place in line."""
    try:
        limiter.reserve(action, per_second=per_second, owner=owner)
    except SlotDeferred as deferred:
        return deferred.wait_s
    return None


def test_reserve_never_sleeps_and_gives_each_waiter_its_own_place_at_the_configured_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"the limiter slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleep)
    limiter = RateLimiter(redis.Redis.from_url(settings.REDIS_URL))
    action = f"Test{uuid.uuid4().hex}"

    granted = [_reserve(limiter, action, f"s{i}") for i in range(4)]
    places = []  # each waiter's wake-up on this clock: when it was told + the wait it was given
    for i in range(4, 10):
        wait = _reserve(limiter, action, f"s{i}")
        assert wait is not None
        places.append(time.monotonic() + wait)

    assert granted == [None] * 4  # the window's room is given at once
    # The first waiter is placed where the window frees, the next ones window / limit apart (the rate).
    spacing = WINDOW_MS / 1000 / 4
    assert all(abs((b - a) - spacing) < 0.1 for a, b in itertools.pairwise(places))


def test_a_waiter_back_early_keeps_its_place_and_a_newcomer_queues_behind_the_line() -> None:
    limiter = RateLimiter(redis.Redis.from_url(settings.REDIS_URL))
    action = f"Test{uuid.uuid4().hex}"
    assert _reserve(limiter, action, "first", per_second=1) is None
    place = _reserve(limiter, action, "waiter", per_second=1)
    assert place is not None

    again = _reserve(limiter, action, "waiter", per_second=1)  # back before its time
    newcomer = _reserve(limiter, action, "newcomer", per_second=1)

    assert again is not None and again <= place
    assert newcomer is not None and newcomer > again + 0.9  # one window / limit behind the waiter


def test_a_waiter_back_on_time_is_granted_and_the_window_is_never_exceeded() -> None:
    limiter = RateLimiter(redis.Redis.from_url(settings.REDIS_URL))
    action = f"Test{uuid.uuid4().hex}"
    per_second = 5
    grants: list[float] = []
    pending: dict[str, float] = {}
    start = time.monotonic()
    owners = [f"s{i}" for i in range(12)]
    for owner in owners:
        pending[owner] = start
    while pending and time.monotonic() - start < 20:
        now = time.monotonic()
        for owner, due in sorted(pending.items(), key=lambda item: item[1]):
            if due > now:
                continue
            try:
                grant = limiter.reserve(action, per_second=per_second, owner=owner)
            except SlotDeferred as deferred:
                pending[owner] = time.monotonic() + deferred.wait_s
                continue
            grants.append(grant.at)
            del pending[owner]
        time.sleep(0.005)  # the test stands in for the scheduler; the limiter itself never sleeps

    assert not pending
    times = sorted(grants)
    window = WINDOW_MS / 1000
    assert all(times[i + per_second] - times[i] >= window - 0.001 for i in range(len(times) - per_second))
    # 12 grants at 5 per window: the line is served at the rate, not after a stampede of retries.
    assert times[-1] - times[0] < 3 * window


@pytest.mark.django_db
def test_an_orchestration_call_without_a_slot_is_deferred_unsent_and_a_page_still_waits(
    fake: FakeTencent, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.answer("DropLiveStream", Reply())
    monkeypatch.setitem(policy.RATE_LIMITS, "DropLiveStream", 1)
    settings.TENCENT_RATE_LIMIT_WAIT_SECONDS = 5
    for suffix in ("", ":line", ":tail"):
        limiter_for(settings.REDIS_URL)._redis.delete(f"cnr:tencent:rate:DropLiveStream{suffix}")

    with deferring(), api_call_context(session_id=7):
        css.drop_live_stream(stream_name="s")
        with pytest.raises(SlotDeferred) as caught:
            css.drop_live_stream(stream_name="s")
    assert 0 < caught.value.wait_s <= WINDOW_MS / 1000
    assert fake.actions() == ["DropLiveStream"]  # the deferred call never left the console, nor was logged
    assert ApiCall.objects.count() == 1

    css.drop_live_stream(stream_name="s")  # outside a job: waits for the slot (after the waiter's place)
    assert fake.actions() == ["DropLiveStream", "DropLiveStream"]
