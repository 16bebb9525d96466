"""The moderators' overview panel: how much is waiting, how long, and what the user holds."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from dashboard.access import Capability, has_capability
from dashboard.overview import Panel
from recordings.models import Decision, ReviewClaim, ReviewStatus, ReviewVerdict
from recordings.review.services.review import pending_age


def review_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    if not has_capability(user, Capability.VIEW_REVIEWS):
        return []
    now = timezone.now()
    age = pending_age(now=now)
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
            title="Review",
            template="recordings/review/overview_panel.html",
            context={
                "pending": age.count,
                "oldest": age.oldest,
                "mine": mine,
                "escalated": escalated,
                "can_review": has_capability(user, Capability.REVIEW),
            },
            order=40,
        )
    ]
