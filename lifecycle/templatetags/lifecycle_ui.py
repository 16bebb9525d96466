"""Storage lifecycle pieces for other apps' pages (client app, room, recording and file pages, the overview's
Needs attention): each loads what it shows itself, so those pages' views need not know about lifecycle."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from dashboard.access import Capability, has_capability
from lifecycle.forms import LegalHoldForm
from lifecycle.models import FileLifecycle, LegalHold, RetentionPolicy, StorageClass
from recordings.models import ClientApp, RecordingFile, RecordingSession, Room

register = template.Library()
ATTENTION_ROWS = 10


@register.filter
def gb(size: int | None) -> str:
    """Bytes as GB with two decimals (the unit of Tencent's storage prices)."""
    return f"{(Decimal(size or 0) / Decimal(1024**3)).quantize(Decimal('0.01')):,}"


@register.filter
def class_label(storage_class: str) -> str:
    """A storage class code (STANDARD_IA) as its name in the reader's language (低频存储); an unknown code as is."""
    try:
        return str(StorageClass(storage_class).label)
    except ValueError:
        return storage_class


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or AnonymousUser()


@register.inclusion_tag("lifecycle/_retention_card.html", takes_context=True)
def retention_card(
    context: template.Context, app: ClientApp | None = None, room: Room | None = None
) -> dict[str, Any]:
    """The policy in effect for a client app or a room, with a link to its form."""
    policy, source = None, "none"
    if room is not None:
        policy = (
            RetentionPolicy.objects.filter(room=room).first()
            or RetentionPolicy.objects.filter(client_app_id=room.client_app_id, room=None).first()
        )
        source = "none" if policy is None else ("room" if policy.room_id else "client_app")
    elif app is not None:
        policy = RetentionPolicy.objects.filter(client_app=app, room=None).first()
        source = "client_app" if policy else "none"
    return {
        "app": app,
        "room": room,
        "policy": policy,
        "source": source,
        "can_manage": has_capability(_user(context), Capability.MANAGE_RETENTION),
    }


@register.inclusion_tag("lifecycle/_holds_card.html", takes_context=True)
def holds_card(
    context: template.Context,
    file: RecordingFile | None = None,
    session: RecordingSession | None = None,
    room: Room | None = None,
) -> dict[str, Any]:
    """Active holds on (or, for a file, covering) the target, and the form to place one."""
    target: Model | None = file or session or room
    kind = "file" if file is not None else "session" if session is not None else "room"
    holds = LegalHold.objects.select_related("placed_by")
    active = holds.covering(file) if file is not None else holds.active().filter(**{kind: target})
    request = context.get("request")
    return {
        "kind": kind,
        "target": target,
        "holds": list(active),
        "can_hold": has_capability(_user(context), Capability.HOLD_FILES),
        "form": LegalHoldForm(auto_id=f"hold-{kind}-%s"),
        "next": request.get_full_path() if request else "",
        "deleted": bool(file is not None and file.deleted_at),
    }


@register.simple_tag
def file_hold(file: RecordingFile) -> LegalHold | None:
    """The active hold protecting the file (on it, its recording or its room), if any: the file page then shows
    lifecycle/_held_delete_button.html instead of its Delete… link (the delete itself refuses too)."""
    return LegalHold.objects.covering(file).select_related("placed_by").first()


@register.inclusion_tag("lifecycle/_attention.html", takes_context=True)
def lifecycle_attention(
    context: template.Context, rows: int = ATTENTION_ROWS, quiet: bool = False
) -> dict[str, Any]:
    """Failed lifecycle actions (Needs attention), newest first, with Retry for those who set policies; `quiet`
    shows nothing at all when none failed (the overview's panel has its own "nothing" line)."""
    failures = FileLifecycle.objects.needing_attention().select_related("file__room")
    shown = list(failures[:rows])
    request = context.get("request")
    return {
        "failures": shown,
        "total": failures.count() if len(shown) == rows else len(shown),
        "can_retry": has_capability(_user(context), Capability.MANAGE_RETENTION),
        "next": request.get_full_path() if request else "",
        "rows": rows,
        "quiet": quiet,
    }
