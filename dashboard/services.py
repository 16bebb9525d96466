"""Account-level workflows: API tokens and the user's profile. Each is atomic and writes an audit row."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dashboard import audit
from dashboard.models import ApiToken, Profile


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the secret, which is never stored and shown only once."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "token", key_prefix=secret[:12], key_hash=ApiToken.hash_secret(secret)
    )
    audit.record(
        actor=actor or user, action="api_token.create", obj=token, changes={"user": user.get_username()}
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="api_token.revoke", obj=locked)
    return locked


@transaction.atomic
def profile_update(
    *, user: User, time_zone: str | None = None, language: str | None = None, actor: User | None = None
) -> Profile:
    """Set the zone `user` sees times in ("" = the console's) and the language of their pages ("" = the
    browser's). None leaves a preference as it is. The caller has validated the values."""
    profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
    changes = {
        field: [getattr(profile, field), value]
        for field, value in (("time_zone", time_zone), ("language", language))
        if value is not None and getattr(profile, field) != value
    }
    if changes:
        for field, (_before, value) in changes.items():
            setattr(profile, field, value)
        profile.save(update_fields=list(changes))
        audit.record(actor=actor or user, action="profile.update", obj=profile, changes=changes)
    return profile
