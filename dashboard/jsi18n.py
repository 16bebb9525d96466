"""/jsi18n/: the JavaScript strings (gettext() in static/js/) of the request's language, loaded by every page.

Django's JavaScriptCatalog, limited to the console's own catalogs (every installed app's would add the admin's
strings, which the admin loads itself), with an ETag of the language and the compiled catalogs' age: each page
load revalidates it and gets a 304 until the language or the translations change.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.views.decorators.http import etag
from django.views.i18n import JavaScriptCatalog


def catalog_etag(request: HttpRequest) -> str:
    compiled = [
        mo.stat().st_mtime_ns
        for root in settings.LOCALE_PATHS
        for mo in Path(root).glob("*/LC_MESSAGES/djangojs.mo")
    ]
    return f"{translation.get_language()}-{max(compiled, default=0)}"


javascript_catalog = etag(catalog_etag)(JavaScriptCatalog.as_view(packages=settings.CONSOLE_APPS))
