"""The Content-Security-Policy of every response (django-csp), with the media origins taken from the settings.

The static part lives in `settings.CONTENT_SECURITY_POLICY`. What the players fetch from other origins — the
emulator in the demo; the CSS play domain, the VOD and COS domains on a real account — is added per response from
the settings in force then (tests start emulators on free ports and override the settings at run time), so the
policy names exactly those origins and never a blanket `*`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# Directives that list where the players and the pages' fetches may go.
MEDIA_DIRECTIVES = ("media-src", "connect-src", "img-src")
# django-rq's job lists (under the admin) carry one inline <script> that wires the "select all" checkbox; its
# hash (not 'unsafe-inline') lets exactly that script run there.
RQ_ADMIN_PREFIX = "/admin/rq/"


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an absolute http(s) URL; None otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def media_origins() -> list[str]:
    """Every origin a console page may load media, play lists, segments or snapshots from."""
    candidates = [
        # CSS play URLs (HLS, HTTP-FLV): the emulator, or the play domain over https.
        settings.CSS_PLAY_BASE_URL or f"https://{settings.CSS_PLAY_DOMAIN}",
        # COS presigned URLs: the emulator's address, or the bucket's own domain.
        f"http://{settings.COS_ENDPOINT}"
        if settings.COS_ENDPOINT
        else f"https://{settings.COS_BUCKET}.cos.{settings.COS_REGION}.myqcloud.com",
    ]
    if not settings.USING_EMULATOR:
        # VOD's default distribution domains: the account's and, for a sub-application, its own.
        apps = {str(settings.TENCENT_APPID), str(settings.VOD_SUBAPP_ID or "")} - {"", "0"}
        candidates += [f"https://{app}.vod2.myqcloud.com" for app in sorted(apps)]
    # Custom VOD/CSS/COS (CDN) domains, which the settings cannot guess.
    candidates += settings.CSP_MEDIA_ORIGINS
    origins = [origin for url in candidates if (origin := origin_of(url))]
    return list(dict.fromkeys(origins))


@cache
def django_rq_script_hashes() -> tuple[str, ...]:
    """'sha256-…' of each distinct inline script in django-rq's templates (read from the installed package)."""
    import django_rq

    templates = Path(django_rq.__file__).parent / "templates"
    scripts = {
        match.group(1)
        for path in templates.rglob("*.html")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", path.read_text(), re.S)
    }
    return tuple(
        sorted(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    )


class ConsoleCSPMiddleware(CSPMiddleware):
    """django-csp's middleware plus the settings' media origins (and django-rq's script hashes on its pages)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        update: dict[str, list[str]] = {name: media_origins() for name in MEDIA_DIRECTIVES}
        if request.path_info.startswith(RQ_ADMIN_PREFIX):
            update["script-src"] = list(django_rq_script_hashes())
        for name, values in (parts.update or {}).items():
            update[name] = [*update.get(name, []), *values]
        parts.update = update
        return parts
