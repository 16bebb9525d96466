"""Writing the audit log. Every mutating service calls `record` inside its transaction."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth.models import AnonymousUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from dashboard.middleware import current_ip
from dashboard.models import AuditEntry

Actor = User | AnonymousUser | None


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for every field whose value differs."""
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of an object's concrete field values (foreign keys as ids)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        values[field.name] = field.value_from_object(obj)
    encoder = DjangoJSONEncoder()
    return {
        k: v if isinstance(v, str | int | float | bool | list | dict | type(None)) else encoder.default(v)
        for k, v in values.items()
    }


def record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_repr: str = "",
    ip: str | None = None,
) -> AuditEntry:
    user = actor if isinstance(actor, User) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes=changes or {},
        ip=valid_ip(ip or current_ip.get()),
    )


def valid_ip(value: str | None) -> str | None:
    """The address, or None when it is not one (X-Forwarded-For is whatever the client sent)."""
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def record_lockout(*, username: str | None, ip_address: str | None) -> AuditEntry | None:
    """One audit row per lockout (django-axes signals again on every refused attempt while it lasts)."""
    since = timezone.now() - (get_cool_off() or timedelta(0))
    name = (username or "")[:150]
    if AuditEntry.objects.filter(
        action="auth.lockout", object_repr=name, ip=valid_ip(ip_address), at__gte=since
    ).exists():
        return None
    user = User.objects.filter(username=name).first() if name else None
    return record(
        actor=None,
        action="auth.lockout",
        obj=user,
        object_repr=name,
        changes={"username": name, "ip": ip_address or ""},
        ip=ip_address,
    )


def on_user_locked_out(
    sender: Any,
    *,
    request: Any = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    record_lockout(username=username, ip_address=ip_address)
