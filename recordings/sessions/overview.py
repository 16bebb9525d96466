"""Overview panels of the orchestration: recordings by state, and the attention list of reconciliation."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext

from dashboard.access import Capability, has_capability
from dashboard.overview import Panel
from recordings.models import Attention, RecordingSession
from recordings.sessions.lifecycle import SessionState

ATTENTION_ROWS = 10
RECENT_CACHE_KEY = "sessions:overview-finished-today"
RECENT_CACHE_SECONDS = 60


def states_panel() -> Panel:
    # The open recordings are counted on each view (the (state, planned_start) index); the last day's finished
    # ones mean reading the whole day's history, so they are cached for a minute (a count may lag that much).
    counts = RecordingSession.objects.open().state_counts()
    recent = cache.get(RECENT_CACHE_KEY)
    if not isinstance(recent, dict):
        since = timezone.now() - timedelta(days=1)
        recent = RecordingSession.objects.terminal().filter(state_changed_at__gte=since).state_counts()
        cache.set(RECENT_CACHE_KEY, recent, RECENT_CACHE_SECONDS)
    counts.update(recent)
    rows = [{"state": state, "label": state.label, "count": counts.get(state, 0)} for state in SessionState]
    return Panel(
        title=gettext("Recordings"),
        template="recordings/overview_states.html",
        context={"rows": rows},
        order=20,
    )


def attention_panel(user: AbstractBaseUser | AnonymousUser) -> Panel:
    items = Attention.objects.unresolved().listing()
    shown = list(items[:ATTENTION_ROWS])
    return Panel(
        title=gettext("Needs attention"),
        template="recordings/overview_attention.html",
        context={
            "items": shown,
            # Counted only when the list is full: a shorter list is all there is.
            "total": items.count() if len(shown) == ATTENTION_ROWS else len(shown),
            "can_operate": has_capability(user, Capability.OPERATE_RECORDINGS),
        },
        order=10,
        wide=True,
    )


def session_panels(user: AbstractBaseUser | AnonymousUser) -> list[Panel]:
    if not has_capability(user, Capability.VIEW_RECORDINGS):
        return []
    return [attention_panel(user), states_panel()]
