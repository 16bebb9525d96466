"""What each audit action code means, in words a person reads (translated; the stored code stays English).

The audit log stores `action` as a stable code ("room.update") that filters and exports rely on; pages show
`action_label(code)` next to it. A code missing here (a new service's) shows as itself, so nothing breaks when a
service adds one before this table does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACTION_LABELS: dict[str, StrOrPromise] = {
    "alert.channel.create": _("Alert channel added"),
    "alert.channel.delete": _("Alert channel deleted"),
    "alert.channel.test": _("Alert channel tested"),
    "alert.mute": _("Alert muted or unmuted"),
    "alert.rule.update": _("Alert rule changed"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "auth.lockout": _("Sign-in locked out"),
    "budget.create": _("Budget created"),
    "budget.delete": _("Budget deleted"),
    "budget.update": _("Budget changed"),
    "callback.replay": _("Callback replayed"),
    "client_app.create": _("Client app created"),
    "client_app.deactivate": _("Client app deactivated"),
    "client_app.delete": _("Client app deleted"),
    "client_app.update": _("Client app changed"),
    "file.delete": _("Recording file deleted"),
    "pricebook.create": _("Price book created"),
    "profile.update": _("Profile changed"),
    "recording.attention.resolve": _("Attention item resolved"),
    "recording.create": _("Recording created"),
    "recording.start": _("Recording started"),
    "recording.stop": _("Recording stopped"),
    "retention.deleted_by_tencent": _("File deleted by Tencent Cloud"),
    "retention.expiry": _("File expired by its retention policy"),
    "retention.hold_lift": _("Legal hold lifted"),
    "retention.hold_place": _("Legal hold placed"),
    "retention.move": _("File moved to another storage class"),
    "retention.policy_remove": _("Retention policy removed"),
    "retention.policy_save": _("Retention policy saved"),
    "retention.restore": _("Archived file restore requested"),
    "retention.restored": _("Archived file restored"),
    "retention.retry": _("Retention step retried"),
    "review.claim": _("Review claimed"),
    "review.interactions": _("Interaction markers added"),
    "review.note": _("Review note added"),
    "review.qa_checks": _("QA checks recorded"),
    "review.qa_checks_requested": _("QA checks requested"),
    "review.recognition": _("Speech recognition requested"),
    "review.recognition_done": _("Speech recognition finished"),
    "review.release": _("Review released"),
    "review.revise": _("Verdict revised"),
    "review.undo": _("Verdict undone"),
    "review.verdict": _("Verdict given"),
    "room.create": _("Room created"),
    "room.deactivate": _("Room deactivated"),
    "room.delete": _("Room deleted"),
    "room.update": _("Room changed"),
    "schedule.create": _("Schedule created"),
    "schedule.pause": _("Schedule paused or resumed"),
    "session.create": _("Recording session created"),
    "stream.drop": _("Stream dropped"),
    "webhook.create": _("Webhook endpoint added"),
    "webhook.delete": _("Webhook endpoint deleted"),
    "webhook.disable": _("Webhook endpoint disabled"),
    "webhook.redeliver": _("Webhook delivery sent again"),
    "webhook.rotate_secret": _("Webhook secret rotated"),
    "webhook.test": _("Webhook test event sent"),
    "webhook.update": _("Webhook endpoint changed"),
}

# Families of codes with a variable last part: the label names the family and shows the part as it is.
PREFIX_LABELS: dict[str, StrOrPromise] = {
    "tencent.setup.": _("Cloud setup: %(step)s"),
    "recording.attention.": _("Attention item: %(step)s"),
}


def action_label(code: str) -> str:
    """The label of an audit action code in the active language; the code itself when it has none."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    for prefix, label in PREFIX_LABELS.items():
        if code.startswith(prefix):
            return str(label) % {"step": code.removeprefix(prefix)}
    return code
