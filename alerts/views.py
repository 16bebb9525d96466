"""Alerts pages: open and recent alerts (with mute), rules with their thresholds and channels, channels."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts.forms import ChannelForm, MuteForm, RuleForm
from alerts.models import Alert, AlertState, Channel, Notification, NotificationState, Rule
from alerts.rules import SPECS, rules_ensure
from alerts.services import alert_mute, channel_create, channel_delete, channel_test, rule_save
from dashboard.access import Capability, current_user, has_capability, requires

RECENT = timedelta(days=7)


@requires(Capability.VIEW_ALERTS)
def alert_list(request: HttpRequest) -> HttpResponse:
    """Open alerts, then those resolved in the last week. Who manages alerts sees every rule's; the others see
    the alerts of the rules that concern their role."""
    can_manage = has_capability(request.user, Capability.MANAGE_ALERTS)
    kinds = [k for k, spec in SPECS.items() if can_manage or has_capability(request.user, spec.audience)]
    alerts = Alert.objects.listing().filter(rule__kind__in=kinds)
    now = timezone.now()
    return render(
        request,
        "alerts/alert_list.html",
        {
            "open_alerts": list(alerts.open()[:100]),
            "recent_alerts": list(
                alerts.filter(state=AlertState.RESOLVED, resolved_at__gte=now - RECENT).order_by(
                    "-resolved_at", "-id"
                )[:50]
            ),
            "can_manage": can_manage,
            "mute_default": MuteForm.default_until().strftime("%Y-%m-%dT%H:%M"),
            "now": now,
        },
    )


@requires(Capability.MANAGE_ALERTS)
@require_POST
def alert_mute_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk)
    if "unmute" in request.POST:
        alert_mute(alert=alert, until=None, actor=current_user(request))
        messages.success(request, _("Unmuted “%(title)s”.") % {"title": alert.title})
        return redirect("alerts:alert_list")
    form = MuteForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Not muted: %(errors)s") % {"errors": errors})
        return redirect("alerts:alert_list")
    alert_mute(alert=alert, until=form.cleaned_data["until"], actor=current_user(request))
    messages.success(request, _("Muted “%(title)s”.") % {"title": alert.title})
    return redirect("alerts:alert_list")


@requires(Capability.MANAGE_ALERTS)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = rules_ensure()
    prefetch_related_objects(rules, "channels")
    rows = [
        {"rule": rule, "spec": SPECS[rule.kind], "summary": SPECS[rule.kind].summary(rule)} for rule in rules
    ]
    return render(request, "alerts/rule_list.html", {"rows": rows})


@requires(Capability.MANAGE_ALERTS)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = rule_save(
            rule=form.save(commit=False),
            channels=list(form.cleaned_data["channels"]),
            actor=current_user(request),
        )
        messages.success(request, _("Saved the rule “%(rule)s”.") % {"rule": saved})
        return redirect("alerts:rule_list")
    spec = SPECS[rule.kind]
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule, "spec": spec})


@requires(Capability.MANAGE_ALERTS)
def channel_list(request: HttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        channel = channel_create(channel=form.save(commit=False), actor=current_user(request))
        messages.success(
            request,
            _("Added the channel %(name)s. Send it a test message to check it.") % {"name": channel.name},
        )
        return redirect("alerts:channel_list")
    return render(
        request,
        "alerts/channel_list.html",
        {
            "channels": list(Channel.objects.prefetch_related("rules")),
            "form": form,
            "notifications": list(
                Notification.objects.select_related("channel", "alert").order_by("-created_at", "-id")[:20]
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@requires(Capability.MANAGE_ALERTS)
@require_POST
def channel_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    notification = channel_test(channel=channel, actor=current_user(request))
    if notification.state == NotificationState.SENT:
        messages.success(request, _("Sent a test message to %(name)s.") % {"name": channel.name})
    else:
        messages.error(
            request,
            _("The test message to %(name)s failed: %(error)s")
            % {"name": channel.name, "error": notification.error},
        )
    return redirect("alerts:channel_list")


@requires(Capability.MANAGE_ALERTS)
@require_POST
def channel_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    channel_delete(channel=channel, actor=current_user(request))
    messages.success(request, _("Deleted the channel %(name)s.") % {"name": channel.name})
    return redirect("alerts:channel_list")
