"""The monthly cost report (estimate vs actual, by app and by room, with charts) and its CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from billing.charts import (
    ConcurrencyRow,
    PushRuleRow,
    concurrency_chart,
    cost_over_month_chart,
    figure_html,
    push_rule_chart,
    top_rooms_chart,
)
from billing.deployment import deployment_context
from billing.estimator.output import cents
from billing.forms import MonthField
from billing.report_cache import PAGE_ROOMS, cached_charts, cached_report
from billing.report_data import PricedReport, cost_report
from billing.reports import GroupRow, MonthReport, daily_components
from billing.services import NoPriceBookError, billing_month
from billing.usage import FilePlayback, UsageResult, cloud_usage, file_playback
from dashboard.access import Capability, requires
from dashboard.csv_export import csv_writer

TOP_ROOMS = PAGE_ROOMS
TOP_ROOMS_CHARTED = 10
USAGE_POLLS = 15  # the usage section asks again every 2 s while the job runs: for 30 s at most, then says so


class ReportMonthForm(forms.Form):
    month = MonthField(label=pgettext_lazy("billing", "Month"), required=False)


def report_month(request: HttpRequest) -> tuple[ReportMonthForm, date]:
    """The month asked for (YYYY-MM), else the current billing month (UTC+8)."""
    current = billing_month(timezone.now())
    # Unbound without ?month=, so the field shows the month the page reports rather than an empty YYYY-MM.
    form = ReportMonthForm(request.GET if request.GET.get("month") else None, initial={"month": current})
    month = form.cleaned_data["month"] if form.is_bound and form.is_valid() else None
    return form, month or current


@dataclass(frozen=True)
class UsageLine:
    name: str
    computed: Decimal
    cloud: Decimal

    @property
    def difference(self) -> Decimal:
        return self.cloud - self.computed


def usage_lines(report: MonthReport, usage: UsageResult) -> list[UsageLine]:
    if usage.usage is None:
        return []
    cloud, actual = usage.usage, report.actual
    return [
        UsageLine(
            gettext("Upstream traffic (GB)"),
            sum((d.upstream_gb for d in actual.push.days), Decimal(0)),
            cloud.upstream_gb,
        ),
        UsageLine(
            gettext("Peak upstream (Mbps)"),
            max((d.peak_upstream_mbps for d in actual.push.days), default=Decimal(0)),
            cloud.peak_upstream_mbps,
        ),
        UsageLine(
            gettext("Downstream traffic (GB)"),
            sum((d.downstream_gb for d in actual.push.days), Decimal(0)),
            cloud.downstream_gb,
        ),
        UsageLine(
            gettext("Peak recording channels"),
            Decimal(actual.recording.peak_channels),
            Decimal(cloud.peak_record_channels),
        ),
        UsageLine(
            gettext("Storage (GB: the month's average of the files; Tencent: all VOD storage now)"),
            actual.storage_gb,
            cloud.vod_storage_gb,
        ),
    ]


def playback_line(priced: PricedReport, usage: UsageResult) -> FilePlayback | None:
    """Recorded files played back this month (VOD CDN traffic from the usage job), priced; None until fetched."""
    if usage.usage is None:
        return None
    return file_playback(usage.usage, priced.prices, deployment_context())


def charts(priced: PricedReport, usage: UsageResult) -> dict[str, str]:
    actual, prices = priced.report.actual, priced.prices
    cloud_peaks = {d.day: d.peak_upstream_mbps for d in usage.usage.days} if usage.usage else {}
    push_rows = [
        PushRuleRow(d.day, d.peak_upstream_mbps, d.ratio, d.billed, cloud_peaks.get(d.day))
        for d in actual.push.days
    ]
    concurrency_rows = [
        ConcurrencyRow(day, {s.spec: s.day_peaks[index] for s in actual.car.specs})
        for index, day in enumerate(actual.days)
    ]
    rooms = [
        (
            room.name,
            {
                "CAR packs": room.actual.car,
                "Push (upstream)": room.actual.push,
                "Recording": room.actual.recording,
                "Storage": room.actual.storage,
            },
        )
        for room in priced.report.by_room[:TOP_ROOMS_CHARTED]
        if room.actual.sessions
    ]
    return {
        "components": figure_html(cost_over_month_chart(daily_components(actual))),
        "push": figure_html(push_rule_chart(push_rows, prices.push_min_peak_mbps, prices.push_max_ratio)),
        "concurrency": figure_html(
            concurrency_chart(concurrency_rows, {s.spec: s.monthly_packs for s in actual.car.specs})
        ),
        "rooms": figure_html(top_rooms_chart(rooms)),
    }


@requires(Capability.VIEW_COSTS)
def report(request: HttpRequest) -> HttpResponse:
    form, month = report_month(request)
    now = timezone.now()
    try:
        cached = cached_report(month=month, now=now)
    except NoPriceBookError as exc:
        return render(
            request, "billing/report.html", {"form": form, "month": month, "error": str(exc)}, status=503
        )
    priced = cached.priced
    usage = cloud_usage(month=month, now=now)
    return render(
        request,
        "billing/report.html",
        {
            "form": form,
            "month": month,
            "priced": priced,
            "computed_at": cached.computed_at,
            "report": priced.report,
            "book": priced.price_book,
            "usage": usage,
            "usage_lines": usage_lines(priced.report, usage),
            "file_playback": playback_line(priced, usage),
            "usage_poll": usage.refreshing,
            "next_poll": 1,
            "top_rooms": priced.report.by_room[:TOP_ROOMS],
            "charts": cached_charts(
                month=month,
                report=cached,
                usage_stamp=usage.usage.until.isoformat() if usage.usage else "",
                build=lambda: charts(priced, usage),
            ),
        },
    )


@requires(Capability.VIEW_COSTS)
def report_usage(request: HttpRequest) -> HttpResponse:
    """The report's Tencent usage section alone: the page asks for it again while the figures are fetched."""
    _form, month = report_month(request)
    now = timezone.now()
    try:
        priced = cached_report(month=month, now=now).priced
    except NoPriceBookError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    usage = cloud_usage(month=month, now=now)
    poll = request.GET.get("poll", "")
    done = int(poll) if poll.isdigit() and len(poll) < 4 else USAGE_POLLS
    return render(
        request,
        "billing/report.html#usage",
        {
            "month": month,
            "usage": usage,
            "usage_lines": usage_lines(priced.report, usage),
            "file_playback": playback_line(priced, usage),
            "usage_poll": usage.refreshing and done < USAGE_POLLS,
            "next_poll": done + 1,
        },
    )


# The CSV's header row stays English in every language: its names are identifiers (snake_case) that scripts and
# spreadsheet imports key on, like an API's fields; the month, names and amounts below are data.
CSV_COLUMNS = [
    "month",
    "price_book",
    "kind",
    "app",
    "room",
    "room_key",
    "sessions",
    "hours",
    "car_usd",
    "push_usd",
    "recording_usd",
    "storage_usd",
    "actual_usd",
    "estimate_usd",
    "difference_usd",
]


def csv_row(priced: PricedReport, kind: str, group: GroupRow) -> list[str]:
    actual = group.actual
    book = priced.price_book
    return [
        priced.report.month.strftime("%Y-%m"),
        f"{book.name} v{book.version}",
        kind,
        group.app_name,
        group.name if kind == "room" else "",
        group.detail if kind == "room" else "",
        str(actual.sessions),
        f"{actual.hours:.2f}",
        str(cents(actual.car)),
        str(cents(actual.push)),
        str(cents(actual.recording)),
        str(cents(actual.storage)),
        str(cents(actual.total)),
        str(cents(group.estimate.total)),
        str(cents(group.difference)),
    ]


@requires(Capability.VIEW_COSTS)
def report_csv(request: HttpRequest) -> HttpResponse:
    """Every app and every room of the month (the page shows only the top rooms)."""
    _form, month = report_month(request)
    try:
        priced = cost_report(month=month, now=timezone.now())
    except NoPriceBookError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="costs-{month:%Y-%m}.csv"'
    writer = csv_writer(response)
    writer.writerow(CSV_COLUMNS)
    for app in priced.report.by_app:
        writer.writerow(csv_row(priced, "app", app))
    for room in priced.report.by_room:
        writer.writerow(csv_row(priced, "room", room))
    return response
