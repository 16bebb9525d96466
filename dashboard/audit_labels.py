"""What each audit action code means, in words a person reads (translated; the stored code stays English).

The audit log stores `action` as a stable code ("room.update") that filters and exports rely on; pages show
`action_label(code)` next to it. A code missing here (a new service's) shows as itself, so nothing breaks when a
service adds one before this table does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACTION_LABELS: dict[str, StrOrPromise] = {
    "alert.channel.create": pgettext_lazy("audit action", "Alert channel added"),
    "alert.channel.delete": pgettext_lazy("audit action", "Alert channel deleted"),
    "alert.channel.test": pgettext_lazy("audit action", "Alert channel tested"),
    "alert.mute": pgettext_lazy("audit action", "Alert muted or unmuted"),
    "alert.rule.update": pgettext_lazy("audit action", "Alert rule changed"),
    "api_token.create": pgettext_lazy("audit action", "API token created"),
    "api_token.revoke": pgettext_lazy("audit action", "API token revoked"),
    "auth.lockout": pgettext_lazy("audit action", "Sign-in locked out"),
    "budget.create": pgettext_lazy("audit action", "Budget created"),
    "budget.delete": pgettext_lazy("audit action", "Budget deleted"),
    "budget.update": pgettext_lazy("audit action", "Budget changed"),
    "callback.replay": pgettext_lazy("audit action", "Callback replayed"),
    "client_app.create": pgettext_lazy("audit action", "Client app created"),
    "client_app.deactivate": pgettext_lazy("audit action", "Client app deactivated"),
    "client_app.delete": pgettext_lazy("audit action", "Client app deleted"),
    "client_app.update": pgettext_lazy("audit action", "Client app changed"),
    "file.delete": pgettext_lazy("audit action", "Recording file deleted"),
    "pricebook.create": pgettext_lazy("audit action", "Price book created"),
    "profile.update": pgettext_lazy("audit action", "Profile changed"),
    "recording.attention.resolve": pgettext_lazy("audit action", "Attention item resolved"),
    "recording.create": pgettext_lazy("audit action", "Recording created"),
    "recording.start": pgettext_lazy("audit action", "Recording started"),
    "recording.stop": pgettext_lazy("audit action", "Recording stopped"),
    "retention.deleted_by_tencent": pgettext_lazy("audit action", "File deleted by Tencent Cloud"),
    "retention.expiry": pgettext_lazy("audit action", "File expired by its retention policy"),
    "retention.hold_lift": pgettext_lazy("audit action", "Legal hold lifted"),
    "retention.hold_place": pgettext_lazy("audit action", "Legal hold placed"),
    "retention.move": pgettext_lazy("audit action", "File moved to another storage class"),
    "retention.policy_remove": pgettext_lazy("audit action", "Retention policy removed"),
    "retention.policy_save": pgettext_lazy("audit action", "Retention policy saved"),
    "retention.restore": pgettext_lazy("audit action", "Archived file restore requested"),
    "retention.restored": pgettext_lazy("audit action", "Archived file restored"),
    "retention.retry": pgettext_lazy("audit action", "Retention step retried"),
    "review.claim": pgettext_lazy("audit action", "Review claimed"),
    "review.interactions": pgettext_lazy("audit action", "Interaction markers added"),
    "review.note": pgettext_lazy("audit action", "Review note added"),
    "review.qa_checks": pgettext_lazy("audit action", "QA checks recorded"),
    "review.qa_checks_requested": pgettext_lazy("audit action", "QA checks requested"),
    "review.recognition": pgettext_lazy("audit action", "Speech recognition requested"),
    "review.recognition_done": pgettext_lazy("audit action", "Speech recognition finished"),
    "review.release": pgettext_lazy("audit action", "Review released"),
    "review.revise": pgettext_lazy("audit action", "Verdict revised"),
    "review.undo": pgettext_lazy("audit action", "Verdict undone"),
    "review.verdict": pgettext_lazy("audit action", "Verdict given"),
    "room.create": pgettext_lazy("audit action", "Room created"),
    "room.deactivate": pgettext_lazy("audit action", "Room deactivated"),
    "room.delete": pgettext_lazy("audit action", "Room deleted"),
    "room.update": pgettext_lazy("audit action", "Room changed"),
    "schedule.create": pgettext_lazy("audit action", "Schedule created"),
    "schedule.pause": pgettext_lazy("audit action", "Schedule paused or resumed"),
    "session.create": pgettext_lazy("audit action", "Recording session created"),
    "stream.drop": pgettext_lazy("audit action", "Stream dropped"),
    "webhook.create": pgettext_lazy("audit action", "Webhook endpoint added"),
    "webhook.delete": pgettext_lazy("audit action", "Webhook endpoint deleted"),
    "webhook.disable": pgettext_lazy("audit action", "Webhook endpoint disabled"),
    "webhook.redeliver": pgettext_lazy("audit action", "Webhook delivery sent again"),
    "webhook.rotate_secret": pgettext_lazy("audit action", "Webhook secret rotated"),
    "webhook.test": pgettext_lazy("audit action", "Webhook test event sent"),
    "webhook.update": pgettext_lazy("audit action", "Webhook endpoint changed"),
}

# Families of codes with a variable last part: the label names the family and shows the part as it is.
PREFIX_LABELS: dict[str, StrOrPromise] = {
    "tencent.setup.": pgettext_lazy("audit action", "Cloud setup: %(step)s"),
    "recording.attention.": pgettext_lazy("audit action", "Attention item: %(step)s"),
}


def action_label(code: str) -> str:
    """The label of an audit action code in the active language; the code itself when it has none."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    for prefix, label in PREFIX_LABELS.items():
        if code.startswith(prefix):
            return str(label) % {"step": code.removeprefix(prefix)}
    return code
