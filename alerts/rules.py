"""What each rule watches, what its thresholds mean, whom it concerns, and its condition read from the database.

A condition returns the findings that hold *now*: each finding is one alert (its dedupe key) with the items it
covers. The evaluation (alerts.services) opens, updates and resolves alerts from them, so conditions stay pure
reads and can be tested one by one from fixtures.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alerts.models import Rule, RuleKind
from dashboard.access import Capability
from dashboard.timezones import format_local

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

ANOMALY_WINDOW = timedelta(minutes=5)
API_ERROR_WINDOW = timedelta(minutes=5)
# Older sessions are history: a stop from last week without files is not news for the on-call person.
NO_FILES_HORIZON = timedelta(hours=24)
LATE_START_HORIZON = timedelta(hours=24)
STARTED_LATE_RECENTLY = timedelta(minutes=10)


@dataclass(frozen=True)
class Item:
    key: str
    text: str


@dataclass(frozen=True)
class Finding:
    dedupe_key: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Threshold:
    label: StrOrPromise
    default: int
    minimum: int
    maximum: int
    help: StrOrPromise = ""


@dataclass(frozen=True)
class RuleSpec:
    kind: RuleKind
    description: StrOrPromise  # formatted with t (threshold) and t2 (threshold2), in the active language
    audience: Capability
    condition: Callable[[Rule, datetime], list[Finding]]
    resolved: StrOrPromise  # formatted like description
    threshold: Threshold | None = None
    threshold2: Threshold | None = None

    def resolved_text(self, rule: Rule) -> str:
        return str(self.resolved).format(t=rule.threshold, t2=rule.threshold2)

    def summary(self, rule: Rule) -> str:
        return str(self.description).format(t=rule.threshold, t2=rule.threshold2)


def recording_failed(rule: Rule, now: datetime) -> list[Finding]:
    from recordings.models import RecordingSession
    from recordings.sessions.lifecycle import SessionState

    failed = list(
        RecordingSession.objects.filter(
            state=SessionState.FAILED, state_changed_at__gte=now - timedelta(minutes=rule.threshold)
        )
        .select_related("room")
        .order_by("state_changed_at", "id")
    )
    if not failed:
        return []
    items = tuple(
        Item(
            f"session:{s.pk}",
            gettext("%(recording)s failed at %(time)s: %(reason)s")
            % {
                "recording": s,
                "time": format_local(s.state_changed_at, "H:i"),
                "reason": s.failure_reason[:200] or gettext("no reason given"),
            },
        )
        for s in failed
    )
    title = ngettext("%(count)s recording failed", "%(count)s recordings failed", len(items)) % {
        "count": len(items)
    }
    return [Finding("recording_failed", title, items)]


def late_start(rule: Rule, now: datetime) -> list[Finding]:
    from recordings.models import RecordingSession
    from recordings.sessions.lifecycle import SessionState

    late = timedelta(seconds=rule.threshold)
    waiting = RecordingSession.objects.filter(
        state__in=[SessionState.SCHEDULED, SessionState.STARTING],
        planned_start__lt=now - late,
        planned_start__gte=now - LATE_START_HORIZON,
    )
    went_live_late = RecordingSession.objects.filter(
        stream_live_at__gte=now - STARTED_LATE_RECENTLY, stream_live_at__gt=F("planned_start") + late
    )
    sessions = (waiting | went_live_late).select_related("room").order_by("planned_start", "id")
    items = []
    for s in sessions:
        if s.stream_live_at is not None:
            delay = (s.stream_live_at - s.planned_start).total_seconds()
            text = gettext("%(recording)s went live %(delay)s s after its planned start")
            items.append(Item(f"session:{s.pk}", text % {"recording": s, "delay": f"{delay:.0f}"}))
        else:
            delay = (now - s.planned_start).total_seconds()
            text = gettext("%(recording)s is not live %(delay)s s after its planned start")
            items.append(Item(f"session:{s.pk}", text % {"recording": s, "delay": f"{delay:.0f}"}))
    if not items:
        return []
    title = ngettext("%(count)s recording started late", "%(count)s recordings started late", len(items)) % {
        "count": len(items)
    }
    return [Finding("late_start", title, tuple(items))]


def stream_anomaly(rule: Rule, now: datetime) -> list[Finding]:
    from recordings.models import PushAnomaly

    items: list[Item] = []
    anomalies = (
        PushAnomaly.objects.filter(occurred_at__gte=now - ANOMALY_WINDOW)
        .values("stream_name", "anomaly_type")
        .annotate(n=Count("id"))
        .order_by("stream_name", "anomaly_type")
    )
    by_stream: dict[str, list[str]] = {}
    for row in anomalies:
        label = PushAnomaly(anomaly_type=row["anomaly_type"]).label
        by_stream.setdefault(row["stream_name"], []).append(f"{label} x{row['n']}")
    for stream, labels in by_stream.items():
        text = gettext("%(stream)s: %(anomalies)s (CSS callbacks 321/341)")
        items.append(Item(f"anomaly:{stream}", text % {"stream": stream, "anomalies": ", ".join(labels)}))
    items.extend(_low_bitrate_items(rule, now))
    if not items:
        return []
    title = ngettext("%(count)s stream with anomalies", "%(count)s streams with anomalies", len(items)) % {
        "count": len(items)
    }
    return [Finding("stream_anomaly", title, tuple(items))]


def current_push_rates() -> dict[str, int]:
    """Every online stream's bitrate right now (bps), from one DescribeLiveStreamPushInfoList (1,000 per page);
    empty when CSS cannot say, and then each stream is looked at on its own."""
    from tencent import css

    try:
        return {
            info.stream_name: info.video_bps + info.audio_bps
            for info in css.describe_live_stream_push_info_list()
        }
    except Exception as exc:  # a CSS error must not stop the other rules
        logger.warning("Online push figures unavailable: %s", exc)
        return {}


def _low_bitrate_items(rule: Rule, now: datetime) -> list[Item]:
    """Recording streams whose every push sample of the last threshold2 seconds is below threshold % of their
    app's bitrate. The samples come from CSS (DescribeStreamPushInfoList, cached a few seconds and shared with
    the live pages); a stream CSS cannot report on is skipped this time and looked at again next time."""
    from recordings.media.services import live
    from recordings.models import RecordingSession
    from recordings.sessions.lifecycle import SessionState

    span = timedelta(seconds=rule.threshold2)
    # Three columns per recording, not the session, room and app rows: every live recording is read every 30 s
    # and almost none is low (1,000 model instances a run were most of this rule's CPU). A recording that is low
    # is loaded as a model below, for its name in the alert.
    targets = RecordingSession.objects.filter(
        state=SessionState.RECORDING, stream_live_at__lte=now - span
    ).values_list("pk", "car_user_id", "room__client_app__bitrate_kbps")
    items = []
    current = current_push_rates() if targets.exists() else {}
    for session_id, stream_name, bitrate_kbps in targets:
        target_bps = bitrate_kbps * 1000
        rate_now = current.get(stream_name)
        if rate_now is not None and rate_now * 100 >= target_bps * rule.threshold:
            # Pushing at or above the threshold right now: not every sample of the span can be below it. One
            # call for every online stream instead of one per recording every 30 s (the console's steady cost).
            continue
        try:
            samples = live.push_samples(stream_name=stream_name, now=now)
        except Exception as exc:  # a CSS error must not stop the other rules
            logger.warning("Push samples of %s unavailable: %s", stream_name, exc)
            continue
        recent = [s for s in samples if s.time >= now - span]
        if not recent:
            continue
        rates = [s.video_bps + s.audio_bps for s in recent]
        if all(rate * 100 < target_bps * rule.threshold for rate in rates):
            mean_kbps = sum(rates) / len(rates) / 1000
            session = RecordingSession.objects.select_related("room").filter(pk=session_id).first()
            if session is None:  # deleted since the read above
                continue
            items.append(
                Item(
                    f"bitrate:{stream_name}",
                    gettext(
                        "%(recording)s: %(mean)s kbps for %(seconds)s s, below %(percent)s %% of the app's "
                        "%(target)s kbps"
                    )
                    % {
                        "recording": session,
                        "mean": f"{mean_kbps:.0f}",
                        "seconds": rule.threshold2,
                        "percent": rule.threshold,
                        "target": target_bps // 1000,
                    },
                )
            )
    return items


def no_files(rule: Rule, now: datetime) -> list[Finding]:
    from recordings.models import RecordingFile, RecordingSession

    present = RecordingFile.objects.present().filter(session=OuterRef("pk"))
    sessions = (
        RecordingSession.objects.filter(
            stream_live_at__isnull=False,
            ended_at__lte=now - timedelta(minutes=rule.threshold),
            ended_at__gte=now - NO_FILES_HORIZON,
        )
        .filter(~Exists(present))
        .select_related("room")
        .order_by("ended_at", "id")
    )
    items = tuple(
        Item(
            f"session:{s.pk}",
            gettext("%(recording)s stopped at %(time)s and has no file")
            % {"recording": s, "time": format_local(s.ended_at, "H:i")}
            if s.ended_at
            else gettext("%(recording)s has no file") % {"recording": s},
        )
        for s in sessions
    )
    if not items:
        return []
    title = ngettext(
        "%(count)s recording without files %(minutes)s min after the stop",
        "%(count)s recordings without files %(minutes)s min after the stop",
        len(items),
    ) % {"count": len(items), "minutes": rule.threshold}
    return [Finding("no_files", title, items)]


def _budget_findings(now: datetime, *, exceeded: bool) -> list[Finding]:
    from billing.models import BudgetLevel
    from billing.services import budget_statuses

    wanted = {BudgetLevel.EXCEEDED} if exceeded else {BudgetLevel.WARNING, BudgetLevel.EXCEEDED}
    findings = []
    for status in budget_statuses(timezone.localdate(now)):
        if status.level not in wanted or status.budget is None:
            continue
        prefix = "budget_exceeded" if exceeded else "budget_warning"
        if exceeded:
            title = gettext("Budget of %(app)s reached its limit") % {"app": status.app.name}
        else:
            title = gettext("Budget of %(app)s reached %(percent)s %%") % {
                "app": status.app.name,
                "percent": status.budget.warning_percent,
            }
        text = gettext("%(app)s: %(spent)s of %(limit)s USD spent in %(month)s (%(percent)s %%)") % {
            "app": status.app.name,
            "spent": f"{status.spent:.2f}",
            "limit": status.limit,
            "month": date_format(status.month, "YEAR_MONTH_FORMAT"),
            "percent": status.percent,
        }
        findings.append(
            Finding(f"{prefix}:app:{status.app.pk}", title, (Item(f"app:{status.app.pk}", text),))
        )
    return findings


def budget_warning(rule: Rule, now: datetime) -> list[Finding]:
    return _budget_findings(now, exceeded=False)


def budget_exceeded(rule: Rule, now: datetime) -> list[Finding]:
    return _budget_findings(now, exceeded=True)


def reconciliation(rule: Rule, now: datetime) -> list[Finding]:
    from recordings.models import Attention, AttentionKind

    repaired = Attention.objects.filter(
        kind__in=[AttentionKind.LEAKED_SESSION, AttentionKind.STUCK_STARTING],
        at__gte=now - timedelta(minutes=rule.threshold),
    ).order_by("at", "id")
    items = tuple(
        Item(
            f"attention:{a.pk}",
            f"{a.get_kind_display()}: {a.message}" + (f" ({a.action_taken})" if a.action_taken else ""),
        )
        for a in repaired
    )
    if not items:
        return []
    title = ngettext(
        "Reconciliation repaired %(count)s session", "Reconciliation repaired %(count)s sessions", len(items)
    ) % {"count": len(items)}
    return [Finding("reconciliation", title, items)]


def review_queue(rule: Rule, now: datetime) -> list[Finding]:
    from recordings.review.services.review import pending_age

    age = pending_age(now=now)
    if age.oldest is None or age.oldest <= timedelta(hours=rule.threshold):
        return []
    hours = age.oldest.total_seconds() / 3600
    waited = {"count": age.count, "hours": f"{hours:.0f}"}
    text = (
        ngettext(
            "%(count)s file pending review; the oldest has waited %(hours)s h",
            "%(count)s files pending review; the oldest has waited %(hours)s h",
            age.count,
        )
        % waited
    )
    title = gettext("Review queue: oldest item waiting %(hours)s h") % waited
    return [Finding("review_queue", title, (Item("queue", text),))]


def tencent_errors(rule: Rule, now: datetime) -> list[Finding]:
    from tencent.models import ApiCall

    calls = ApiCall.objects.filter(started_at__gte=now - API_ERROR_WINDOW, started_at__lte=now)
    counts = calls.aggregate(total=Count("id"), errors=Count("id", filter=Q(outcome=ApiCall.Outcome.ERROR)))
    total, errors = counts["total"], counts["errors"]
    if total < max(rule.threshold2, 1) or errors * 100 <= total * rule.threshold:
        return []
    codes = Counter(
        calls.filter(outcome=ApiCall.Outcome.ERROR).values_list("error_code", flat=True)[:1000]
    ).most_common(3)
    no_code = gettext("no code")
    common = ", ".join(f"{code or no_code} x{n}" for code, n in codes)
    figures = {"errors": errors, "total": total, "percent": f"{errors * 100 / total:.0f}", "codes": common}
    text = (
        gettext("%(errors)s of %(total)s calls failed in the last 5 minutes (%(percent)s %%): %(codes)s")
        % figures
    )
    title = gettext("Tencent API errors at %(percent)s %%") % figures
    return [Finding("tencent_errors", title, (Item("rate", text),))]


OPERATIONS = Capability.OPERATE_RECORDINGS

SPECS: dict[str, RuleSpec] = {
    spec.kind: spec
    for spec in (
        RuleSpec(
            RuleKind.RECORDING_FAILED,
            _("A recording failed in the last {t} minutes."),
            OPERATIONS,
            recording_failed,
            _("No recording has failed in the last {t} minutes."),
            Threshold(
                _("Look-back (minutes)"), 15, 1, 1440, _("Open while a recording failed this recently.")
            ),
        ),
        RuleSpec(
            RuleKind.LATE_START,
            _("A recording is not live {t} s after its planned start."),
            OPERATIONS,
            late_start,
            _("Every recording due to start is live."),
            Threshold(_("Late after (seconds)"), 120, 10, 86400),
        ),
        RuleSpec(
            RuleKind.STREAM_ANOMALY,
            _(
                # xgettext:no-python-format -- "%" is a percent sign; {t} is filled by str.format
                "CSS reported a push or recording anomaly (321/341) in the last 5 minutes, or a recording's bitrate "
                "stayed below {t} % of its app's target for {t2} s."
            ),
            OPERATIONS,
            stream_anomaly,
            _("No stream anomaly in the last 5 minutes and every bitrate is back above {t} %."),
            # xgettext:no-python-format -- "%" is a percent sign; {t} is filled by str.format
            Threshold(_("Bitrate below (% of the app's target)"), 50, 1, 100),
            Threshold(_("For at least (seconds)"), 60, 10, 3600),
        ),
        RuleSpec(
            RuleKind.NO_FILES,
            _("A recording has no file {t} minutes after it stopped."),
            OPERATIONS,
            no_files,
            _("Every stopped recording has its files."),
            Threshold(_("No files after (minutes)"), 10, 1, 1440),
        ),
        RuleSpec(
            RuleKind.BUDGET_WARNING,
            _("An app's spending this month reached its budget's warning level (set per budget)."),
            Capability.VIEW_COSTS,
            budget_warning,
            _("The spending is below the budget's warning level."),
        ),
        RuleSpec(
            RuleKind.BUDGET_EXCEEDED,
            # xgettext:no-python-format -- "%" is a percent sign; {t} is filled by str.format
            _("An app's spending this month reached 100 % of its budget."),
            Capability.VIEW_COSTS,
            budget_exceeded,
            _("The spending is below the budget's limit."),
        ),
        RuleSpec(
            RuleKind.RECONCILIATION,
            _("Reconciliation destroyed a leaked or stuck session in the last {t} minutes."),
            OPERATIONS,
            reconciliation,
            _("No session needed repair in the last {t} minutes."),
            Threshold(_("Look-back (minutes)"), 30, 1, 1440),
        ),
        RuleSpec(
            RuleKind.REVIEW_QUEUE,
            _("The review queue's oldest item has waited more than {t} hours."),
            Capability.VIEW_REVIEWS,
            review_queue,
            _("The review queue's oldest item has waited less than {t} hours."),
            Threshold(_("Older than (hours)"), 24, 1, 720),
        ),
        RuleSpec(
            RuleKind.TENCENT_ERRORS,
            _(
                # xgettext:no-python-format -- "%" is a percent sign; {t} is filled by str.format
                "More than {t} % of the Tencent API calls of the last 5 minutes failed (with at least {t2} calls)."
            ),
            OPERATIONS,
            tencent_errors,
            _("The Tencent API error rate is back below {t} %."),
            Threshold(_("Error rate above (%)"), 20, 1, 100),
            Threshold(_("Minimum calls in 5 minutes"), 10, 1, 100000),
        ),
    )
}


def rules_ensure() -> list[Rule]:
    """Every rule kind has its row (created with its default thresholds); answered in kind order."""
    existing = {rule.kind: rule for rule in Rule.objects.all()}
    for kind, spec in SPECS.items():
        if kind not in existing:
            existing[kind], _created = Rule.objects.get_or_create(
                kind=kind,
                defaults={
                    "threshold": spec.threshold.default if spec.threshold else 0,
                    "threshold2": spec.threshold2.default if spec.threshold2 else 0,
                },
            )
    return [existing[kind] for kind in SPECS]
