from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboard.audit_labels import action_label
from dashboard.timezones import format_local


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def listing(self) -> AuditEntryQuerySet:
        return self.select_related("actor").order_by("-at", "-id")


class AuditEntry(models.Model):
    """One row per mutation made by a service: who, when, what object, what changed, from which IP."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(
        _("actor name"), max_length=150, blank=True, help_text=_("Kept when the user is deleted.")
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(pgettext_lazy("audit entry", "object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{format_local(self.at, 'Y-m-d H:i:s')} {self.actor_name or 'system'} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        """The action in words, in the active language (the code itself when it has no label)."""
        return action_label(self.action)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the business-backend API. Only its SHA-256 is stored; the secret is shown once."""

    PREFIX = "cnr_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(
        _("key prefix"), max_length=12, help_text=_("First characters, to recognise the token.")
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.pk, "name": self.name, "prefix": self.key_prefix, "created_at": self.created_at}


class Profile(models.Model):
    """A user's own console preferences. A missing row or an empty field means the console's defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="console_profile",
        verbose_name=_("user"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("IANA name; empty shows times in the console's zone (TIME_ZONE)."),
    )
    # One of settings.LANGUAGES' codes (checked by the profile form, not by choices: a language added or dropped
    # in the settings then needs no migration); empty follows the browser's Accept-Language.
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        help_text=_("Language code; empty follows the browser's Accept-Language."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @classmethod
    def time_zone_of(cls, user: Any) -> str:
        return cls.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""

    @classmethod
    def language_of(cls, user: Any) -> str:
        return cls.objects.filter(user=user).values_list("language", flat=True).first() or ""
