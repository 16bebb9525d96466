"""Sending one message to one channel (what pages show of its target is Channel.display_target).

E-mail goes through Django's own mail settings (EMAIL_BACKEND, EMAIL_HOST, …, DEFAULT_FROM_EMAIL) with
django.core.mail rather than through Apprise's mailto://: the console then has one mail configuration (the one
password resets use too), an e-mail channel holds only addresses (no SMTP password in a channel URL), and tests
and deployments swap the backend the Django way. Everything else goes through Apprise, one library for WeCom,
DingTalk, Feishu/Lark, Slack, Teams and generic JSON.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import apprise
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.utils.translation import gettext

from alerts.models import Channel, ChannelKind

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 20


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str = ""


def recipients_of(target: str) -> list[str]:
    return [address.strip() for address in target.split(",") if address.strip()]


def validate_target(kind: str, target: str) -> str:
    """The target, normalised; ValidationError with a sentence a person can act on when it is not usable."""
    target = target.strip()
    if kind == ChannelKind.EMAIL:
        addresses = recipients_of(target)
        if not addresses:
            raise ValidationError(gettext("Give at least one e-mail address."))
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(gettext("At most %(count)s addresses.") % {"count": MAX_RECIPIENTS})
        for address in addresses:
            validate_email(address)
        return ", ".join(addresses)
    if apprise.Apprise.instantiate(target) is None:
        raise ValidationError(
            gettext(
                "Apprise does not understand this URL: check its scheme (e.g. wecombot://, dingtalk://, "
                "lark://, slack://, msteams://, json://) and its parts."
            )
        )
    return target


def send(channel: Channel, *, title: str, body: str) -> SendResult:
    """Send now; never raises (a channel's failure is recorded on its notification, not a crashed job)."""
    if channel.kind == ChannelKind.EMAIL:
        try:
            send_mail(
                subject=title,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients_of(channel.target),
            )
        except Exception as exc:  # smtplib, socket and backend errors alike
            logger.warning("Alert e-mail to channel %s failed: %s", channel.pk, exc)
            return SendResult(False, f"{type(exc).__name__}: {exc}"[:1000])
        return SendResult(True)
    notifier = apprise.Apprise()
    if not notifier.add(channel.target):
        return SendResult(False, "Apprise does not understand this channel's URL.")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = bool(notifier.notify(title=title, body=body))
    if ok:
        return SendResult(True)
    error = captured.getvalue().strip() or "Apprise could not deliver the message."
    logger.warning("Alert to channel %s failed: %s", channel.pk, error)
    return SendResult(False, error[-1000:])
