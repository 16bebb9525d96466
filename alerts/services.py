"""Alert workflows: the periodic evaluation (open, group, update, resolve), sending the outbox, muting, and
channel and rule management. Every change a person makes is audited.

Grouping: an alert's first message waits for its rule's grouping window after the alert opened, so ten
recordings failing within it are one message; later items go out as one update per window at most; the
resolved message follows when the condition no longer holds (only if people were told it opened).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from alerts import channels as channel_io
from alerts.models import (
    Alert,
    AlertState,
    Channel,
    Notification,
    NotificationEvent,
    NotificationState,
    Rule,
)
from alerts.rules import SPECS, Finding, rules_ensure
from dashboard import audit
from dashboard.timezones import format_local

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_ITEMS_IN_MESSAGE = 20
MAX_MUTE = timedelta(days=30)
TITLE_PREFIX = "[CNR Console] "


@dataclass
class Evaluation:
    opened: int = 0
    resolved: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0


def alerts_evaluate(*, now: datetime | None = None) -> Evaluation:
    """Evaluate every rule against the database, then send what is due. Idempotent: run it as often as wanted."""
    # Alert titles and messages are stored and go to shared channels: the console's language (LANGUAGE_CODE),
    # whoever's request happened to run the evaluation.
    with translation.override(settings.LANGUAGE_CODE):
        return _evaluate(now or timezone.now())


def _evaluate(now: datetime) -> Evaluation:
    result = Evaluation()
    for rule in rules_ensure():
        try:
            findings = SPECS[rule.kind].condition(rule, now) if rule.enabled else []
        except Exception:  # one broken rule must not silence the others
            logger.exception("Alert rule %s could not be evaluated", rule.kind)
            continue
        try:
            with transaction.atomic():
                _apply(rule, findings, now, result)
        except IntegrityError:  # a concurrent evaluation opened the same alert first; the next run converges
            logger.warning("Alert rule %s: concurrent evaluation, skipped this run", rule.kind)
    sent = notifications_send()
    result.sent, result.failed = sent
    return result


def _apply(rule: Rule, findings: list[Finding], now: datetime, result: Evaluation) -> None:
    open_alerts = {
        alert.dedupe_key: alert
        for alert in Alert.objects.select_for_update().filter(rule=rule, state=AlertState.OPEN)
    }
    for finding in findings:
        alert = open_alerts.pop(finding.dedupe_key, None)
        if alert is None:
            alert = _new_alert(rule, finding, now)
            result.opened += 1
        alert.title = finding.title[:300]
        alert.items = [asdict(item) for item in finding.items]
        alert.last_seen_at = now
        alert.save()
        result.queued += _notify_if_due(rule, alert, now)
    for alert in open_alerts.values():
        alert.state = AlertState.RESOLVED
        alert.resolved_at = now
        alert.save(update_fields=["state", "resolved_at"])
        result.resolved += 1
        if alert.last_notified_at is not None and not alert.is_muted(now) and rule.enabled:
            result.queued += _queue(rule, alert, NotificationEvent.RESOLVED, now)


def _new_alert(rule: Rule, finding: Finding, now: datetime) -> Alert:
    """A new alert; a mute set on an earlier alert with the same dedupe key still holds for it."""
    previous = Alert.objects.filter(dedupe_key=finding.dedupe_key, muted_until__gt=now).first()
    return Alert(
        rule=rule,
        dedupe_key=finding.dedupe_key[:200],
        opened_at=now,
        last_seen_at=now,
        muted_until=previous.muted_until if previous else None,
        muted_by=previous.muted_by if previous else None,
    )


def _notify_if_due(rule: Rule, alert: Alert, now: datetime) -> int:
    if alert.is_muted(now):
        return 0
    window = timedelta(seconds=rule.group_window_s)
    current = {item["key"] for item in alert.items}
    if alert.last_notified_at is None:
        if now < alert.opened_at + window:
            return 0
        event = NotificationEvent.OPENED
    else:
        if not current - set(alert.notified_keys) or now < alert.last_notified_at + window:
            return 0
        event = NotificationEvent.UPDATED
    queued = _queue(rule, alert, event, now)
    alert.notified_keys = sorted(current | set(alert.notified_keys))
    alert.last_notified_at = now
    alert.save(update_fields=["notified_keys", "last_notified_at"])
    return queued


def _queue(rule: Rule, alert: Alert, event: str, now: datetime) -> int:
    title, body = compose(alert, event, now)
    rows = [
        Notification(alert=alert, channel=channel, event=event, title=title, body=body, created_at=now)
        for channel in rule.channels.filter(is_active=True)
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def compose(alert: Alert, event: str, now: datetime) -> tuple[str, str]:
    """The title and plain-text body of a message about `alert` (every channel gets the same text)."""
    link = settings.CONSOLE_BASE_URL.rstrip("/") + reverse("alerts:alert_list")
    if event == NotificationEvent.RESOLVED:
        spec = SPECS[alert.rule.kind]
        span = gettext("Open from %(start)s to %(end)s.") % {
            "start": format_local(alert.opened_at),
            "end": format_local(alert.resolved_at or now),
        }
        body = f"{spec.resolved_text(alert.rule)}\n{span}\n{link}"
        title = gettext("Resolved: %(title)s") % {"title": alert.title}
        return f"{TITLE_PREFIX}{title}"[:300], body
    items = alert.items
    lead = ""
    if event == NotificationEvent.UPDATED:
        told = set(alert.notified_keys)
        items = [item for item in alert.items if item["key"] not in told]
        lead = gettext("%(count)s new since the last message:") % {"count": len(items)} + "\n"
    lines = [f"- {item['text']}" for item in items[:MAX_ITEMS_IN_MESSAGE]]
    if len(items) > MAX_ITEMS_IN_MESSAGE:
        more = gettext("… and %(count)s more") % {"count": len(items) - MAX_ITEMS_IN_MESSAGE}
        lines.append(f"- {more}")
    since = gettext("Open since %(start)s.") % {"start": format_local(alert.opened_at)}
    body = f"{lead}" + "\n".join(lines) + f"\n{since}\n{link}"
    return f"{TITLE_PREFIX}{alert.title}"[:300], body


def notifications_send() -> tuple[int, int]:
    """Send every pending message (oldest first); answers (sent, failed). A message is claimed by bumping its
    attempt count in one UPDATE, so two runs never send the same attempt, and sent outside any transaction,
    so a slow channel never holds a database lock. Failures stay pending for the next run, MAX_ATTEMPTS times."""
    sent = failed = 0
    pending = Notification.objects.filter(state=NotificationState.PENDING).select_related("channel")
    for notification in pending.order_by("created_at", "id")[:200]:
        claimed = Notification.objects.filter(
            pk=notification.pk, state=NotificationState.PENDING, attempts=notification.attempts
        ).update(attempts=notification.attempts + 1)
        if not claimed:
            continue
        outcome = channel_io.send(notification.channel, title=notification.title, body=notification.body)
        if outcome.ok:
            Notification.objects.filter(pk=notification.pk).update(
                state=NotificationState.SENT, sent_at=timezone.now(), error=""
            )
            sent += 1
            continue
        failed += 1
        gave_up = notification.attempts + 1 >= MAX_ATTEMPTS
        Notification.objects.filter(pk=notification.pk).update(
            state=NotificationState.FAILED if gave_up else NotificationState.PENDING, error=outcome.error
        )
    return sent, failed


# --- what people do -----------------------------------------------------------------------------------------


@transaction.atomic
def alert_mute(*, alert: Alert, until: datetime | None, actor: User) -> Alert:
    """Mute an alert (and alerts with its dedupe key that open again) until `until`; None unmutes."""
    alert.muted_until = until
    alert.muted_by = actor if until else None
    alert.save(update_fields=["muted_until", "muted_by"])
    audit.record(
        actor=actor,
        action="alert.mute" if until else "alert.unmute",
        obj=alert,
        object_repr=alert.title,
        changes={"until": until.isoformat() if until else None, "dedupe_key": alert.dedupe_key},
    )
    return alert


@transaction.atomic
def channel_create(*, channel: Channel, actor: User) -> Channel:
    channel.created_by = actor
    channel.save()
    audit.record(
        actor=actor,
        action="alert.channel.create",
        obj=channel,
        object_repr=channel.name,
        changes={"kind": channel.kind, "target": channel.display_target},
    )
    return channel


@transaction.atomic
def channel_delete(*, channel: Channel, actor: User) -> None:
    audit.record(
        actor=actor,
        action="alert.channel.delete",
        obj=channel,
        object_repr=channel.name,
        changes={"kind": channel.kind, "target": channel.display_target},
    )
    channel.delete()


def channel_test(*, channel: Channel, actor: User) -> Notification:
    """Send a test message now (outside any transaction: the channel may take seconds) and log it."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # the channel is the team's, as for every alert
        title = TITLE_PREFIX + gettext("Test message")
        body = gettext("%(user)s tested the channel %(channel)s at %(time)s.") % {
            "user": actor.username,
            "channel": channel.name,
            "time": format_local(now),
        }
    outcome = channel_io.send(channel, title=title, body=body)
    with transaction.atomic():
        notification = Notification.objects.create(
            channel=channel,
            event=NotificationEvent.TEST,
            title=title,
            body=body,
            state=NotificationState.SENT if outcome.ok else NotificationState.FAILED,
            attempts=1,
            error=outcome.error,
            created_at=now,
            sent_at=timezone.now() if outcome.ok else None,
        )
        Channel.objects.filter(pk=channel.pk).update(last_test_at=now, last_test_ok=outcome.ok)
        audit.record(
            actor=actor,
            action="alert.channel.test",
            obj=channel,
            object_repr=channel.name,
            changes={"ok": outcome.ok, "error": outcome.error[:200]},
        )
    return notification


@transaction.atomic
def rule_save(*, rule: Rule, channels: list[Channel], actor: User) -> Rule:
    stored = Rule.objects.get(pk=rule.pk)
    before = audit.snapshot(stored)
    before["channels"] = sorted(stored.channels.values_list("pk", flat=True))
    rule.save()
    rule.channels.set(channels)
    after = audit.snapshot(rule)
    after["channels"] = sorted(c.pk for c in channels)
    audit.record(
        actor=actor,
        action="alert.rule.update",
        obj=rule,
        object_repr=str(rule),
        changes={key: [before.get(key), value] for key, value in after.items() if before.get(key) != value},
    )
    return rule
