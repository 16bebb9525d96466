"""Overview panels of the orchestration: recordings by state, and the attention list of reconciliation."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils import timezone

from dashboard.access import Capability, has_capability
from dashboard.overview import Panel
from recordings.models import Attention, RecordingSession
from recordings.sessions.lifecycle import OPEN_STATES, TERMINAL_STATES, SessionState

ATTENTION_ROWS = 10


def states_panel() -> Panel:
    since = timezone.now() - timedelta(days=1)
    # One read: the open recordings, and those that ended in the last day (terminal states are never open).
    counts = RecordingSession.objects.filter(
        Q(state__in=OPEN_STATES) | Q(state__in=TERMINAL_STATES, state_changed_at__gte=since)
    ).state_counts()
    rows = [{"state": state, "label": state.label, "count": counts.get(state, 0)} for state in SessionState]
    return Panel(
        title="Recordings", template="recordings/overview_states.html", context={"rows": rows}, order=20
    )


def attention_panel(user: AbstractBaseUser | AnonymousUser) -> Panel:
    items = Attention.objects.unresolved().listing()
    shown = list(items[:ATTENTION_ROWS])
    return Panel(
        title="Needs attention",
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
