"""Which actions may be retried, how long to back off, and how fast each action may be called.

Only idempotent calls are retried by the gateway: asking again cannot create a second resource or a second
side effect. CreateSession, StartPublishStream, CreateRecordTask and DropLiveStream are left to the caller,
who knows whether a duplicate is acceptable.
"""

from __future__ import annotations

import random

from django.conf import settings

IDEMPOTENT_WRITES = frozenset(
    {
        "ApplyConcurrent",  # the same UserId re-applying takes its own concurrency over
        "DestroySession",
        "StopPublishStream",
        "StopRecordTask",
        "DeleteRecordTask",
        "DeleteMedia",
        # Storage lifecycle (VOD). Each asks for an end state, so a repeat after a lost answer cannot do it twice:
        "ModifyMediaInfo",  # sets an absolute ExpireTime
        "ModifyMediaStorageClass",  # a target class; repeated during its retrieval: TaskDuplicate, not a second one
        "RestoreMedia",  # repeated while it runs: TaskDuplicate ("gone": under way); the tier's wait is minutes+
        "ModifyEventConfig",
        "PullEvents",  # a pulled, unconfirmed event is offered again after 30 s: nothing is lost by asking again
        "ConfirmEvents",  # confirming a handle twice confirms it once
        "ListObjects",  # COS
        "DeleteObject",  # COS
        "HeadObject",  # COS
        "CopyObject",  # COS: only onto the same key, to change its class (tencent/cos.py)
        "RestoreObject",  # COS: repeated while it runs: 409 RestoreAlreadyInProgress ("gone": under way)
    }
)

BACKOFF_CAP_SECONDS = 5.0

# Documented rates (requests per second, per account) of the actions we call; the rest get DEFAULT_RATE.
RATE_LIMITS: dict[str, int] = {
    "ApplyConcurrent": 100,
    "CreateSession": 100,
    "DestroySession": 100,
    "StartPublishStream": 20,
    "StopPublishStream": 20,
    "CreateRecordTask": 20,
    "DescribeStreamPushInfoList": 40,
    "DescribeConcurrentRecordStreamNum": 200,
    # VOD API pages 266/46008, 266/48378, 266/34183, 266/34184 ("A maximum of N requests … per second").
    "ModifyMediaStorageClass": 20,
    "RestoreMedia": 20,
    "PullEvents": 100,
    "ConfirmEvents": 100,
}
DEFAULT_RATE = 20
# COS serves thousands of requests per second per bucket: the console cannot come near it, so it is not limited.
UNLIMITED_ACTIONS = frozenset({"ListObjects", "DeleteObject", "HeadObject", "CopyObject", "RestoreObject"})


def is_idempotent(action: str) -> bool:
    return action.startswith(("Describe", "Search")) or action in IDEMPOTENT_WRITES


def max_attempts(action: str) -> int:
    return max(1, settings.TENCENT_RETRY_ATTEMPTS) if is_idempotent(action) else 1


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): "full jitter" exponential back-off.

    Uniform in [0, min(cap, base * 2^(attempt-1))], so concurrent retries of many workers spread out instead of
    hitting Tencent again in lock-step.
    """
    ceiling = min(BACKOFF_CAP_SECONDS, settings.TENCENT_RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    return (rng or random).uniform(0, ceiling)


def rate_limit(action: str) -> int | None:
    """Calls per second allowed for `action`, None when the gateway does not limit it."""
    if action in UNLIMITED_ACTIONS:
        return None
    return RATE_LIMITS.get(action, DEFAULT_RATE)
