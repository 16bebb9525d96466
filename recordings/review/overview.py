"""The moderators' overview panel: how much is waiting, how long, and what the user holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext

from dashboard.access import Capability, has_capability
from dashboard.overview import Panel
from recordings.models import Decision, ReviewClaim, ReviewStatus, ReviewVerdict
from recordings.review.services.review import pending_age

# The pending count and the oldest file are read at most every 30 s (an index-only read of the pending files,
# recfile_pending_age_idx, but every overview of every moderator and manager asks): the count may lag a verdict by
# that much; the oldest wait itself is computed from the cached arrival time, so it is exact.
PENDING_CACHE_KEY = "review:overview-pending"
PENDING_CACHE_SECONDS = 30


def pending_count_and_oldest(now: datetime) -> tuple[int, timedelta | None]:
    cached = cache.get(PENDING_CACHE_KEY)
    if not (isinstance(cached, tuple) and len(cached) == 2):
        age = pending_age(now=now)
        cached = (age.count, None if age.oldest is None else now - age.oldest)
        cache.set(PENDING_CACHE_KEY, cached, PENDING_CACHE_SECONDS)
    count, oldest_at = cached
    return count, None if oldest_at is None else max(now - oldest_at, timedelta(0))


def review_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    if not has_capability(user, Capability.VIEW_REVIEWS):
        return []
    now = timezone.now()
    pending, oldest = pending_count_and_oldest(now)
    mine = ReviewClaim.objects.filter(
        moderator_id=user.pk, expires_at__gt=now, file__review_status=ReviewStatus.PENDING
    ).count()
    escalated = ReviewVerdict.objects.filter(
        is_current=True,
        decision=Decision.ESCALATE,
        escalated_to_id=user.pk,
        file__deleted_at__isnull=True,
    ).count()
    return [
        Panel(
            title=gettext("Review"),
            template="recordings/review/overview_panel.html",
            context={
                "pending": pending,
                "oldest": oldest,
                "mine": mine,
                "escalated": escalated,
                "can_review": has_capability(user, Capability.REVIEW),
            },
            order=40,
        )
    ]
