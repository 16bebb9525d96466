"""The retention policy in effect for a room or a client app, as the estimator's storage inputs.

Estimates for a room (the start and schedule forms) and the calculator's rows for an app price storage by the
policy that will govern the files: the room's own, else its app's; with none, files are kept forever, which is
what the console does without a policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.models import RetentionPolicy
from recordings.models import ClientApp, Room


@dataclass(frozen=True)
class StoragePlan:
    retention_days: int | None  # None: kept forever
    transitions: tuple[tuple[int, str], ...]
    standard_ia_after_days: int | None = None
    archive_after_days: int | None = None
    deep_archive_after_days: int | None = None


KEPT_FOREVER = StoragePlan(retention_days=None, transitions=())


def policy_in_effect(
    *, room: Room | None = None, client_app: ClientApp | None = None
) -> RetentionPolicy | None:
    if room is not None:
        return RetentionPolicy.objects.in_effect(room)
    if client_app is None:
        return None
    return RetentionPolicy.objects.filter(client_app=client_app, room=None).first()


def storage_plan(*, room: Room | None = None, client_app: ClientApp | None = None) -> StoragePlan:
    return plan_of(policy_in_effect(room=room, client_app=client_app))


def plan_of(policy: RetentionPolicy | None) -> StoragePlan:
    """A policy's storage plan (files kept forever without one)."""
    if policy is None:
        return KEPT_FOREVER
    return StoragePlan(
        retention_days=None if policy.keep_days is None else max(1, policy.keep_days),
        transitions=tuple(policy.transitions()),
        standard_ia_after_days=policy.standard_ia_after_days,
        archive_after_days=policy.archive_after_days,
        deep_archive_after_days=policy.deep_archive_after_days,
    )


def storage_plan_named(*, app_id: int | None, room_key: str) -> StoragePlan | None:
    """The storage plan of the room with `room_key`, else of the app `app_id`; None when neither exists."""
    room = Room.objects.filter(room_key=room_key).select_related("client_app").first() if room_key else None
    app = ClientApp.objects.filter(pk=app_id).first() if app_id is not None and room is None else None
    return storage_plan(room=room, client_app=app) if room or app else None
