"""/healthz, /readyz and /metrics: answered by `middleware.ProbeMiddleware` before sessions, CSRF, host checks
and the HTTPS redirect, so load balancers and Prometheus can reach them by the pod's address over plain HTTP."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from dashboard.observability import metrics, readiness
from dashboard.observability.collectors import ConsoleCollector


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answering; depends on nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """200 when every check passes, else 503 naming what is not ready. `?check=database&check=redis` narrows."""
    asked = tuple(request.GET.getlist("check"))
    unknown = sorted(set(asked) - set(readiness.CHECKS))
    if unknown:
        return JsonResponse(
            {"status": "error", "message": f"Unknown check: {', '.join(unknown)}"}, status=400
        )
    checks = readiness.run(
        tuple(name for name in readiness.CHECKS if name in asked) if asked else readiness.CHECKS
    )
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "not ready" if failing else "ready",
        "failing": failing,
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    response = JsonResponse(body, status=503 if failing else 200)
    # A probe polls every few seconds: an unready instance is reported by the probe, not by an error log line
    # per poll (Django logs every 5xx unless told it was handled).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def scrape_allowed(request: HttpRequest) -> bool:
    """A matching bearer token (METRICS_TOKEN), or a peer address in METRICS_ALLOWED_IPS (never X-Forwarded-For)."""
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        peer in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS
    )


def metrics_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if metrics.MULTIPROCESS:
        MultiProcessCollector(registry)
    else:
        for metric in metrics.IN_CODE:
            registry.register(metric)
    registry.register(ConsoleCollector())
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        return JsonResponse(
            {"code": 403, "message": "Metrics need a scrape token or an allowed address."}, status=403
        )
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
