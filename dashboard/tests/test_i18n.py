"""The language of the pages (issue #18): the user's choice, else Accept-Language, else LANGUAGE_CODE; the top
bar's switcher; the JavaScript catalog."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dashboard.models import AuditEntry, Profile

pytestmark = pytest.mark.django_db

CHINESE = "zh-hans"
LOG_OUT_ZH = "退出登录"  # base.html's "Log out" in the root locale/


def test_accept_language_picks_chinese_and_the_page_says_so(client_as: Any, operator: Any) -> None:
    client = client_as(operator)
    response = client.get(reverse("overview"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert response["Content-Language"] == CHINESE and "Accept-Language" in response["Vary"]
    assert '<html lang="zh-hans">' in page and LOG_OUT_ZH in page and "Log out" not in page
    english = client.get(reverse("overview"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert settings.LANGUAGE_CODE == "en" and '<html lang="en">' in english and "Log out" in english
    assert translation.get_language() == "en"  # deactivated after each request


def test_the_profile_language_wins_over_the_browser(client_as: Any, operator: Any) -> None:
    Profile.objects.create(user=operator, language=CHINESE)
    client = client_as(operator)
    page = client.get(reverse("overview"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert LOG_OUT_ZH in page


def test_the_profile_form_saves_the_language_and_audits_it(client_as: Any, operator: Any) -> None:
    client = client_as(operator)
    form = client.get(reverse("profile")).content.decode()
    assert 'value="zh-hans"' in form and "简体中文" in form
    response = client.post(reverse("profile"), {"time_zone": "", "language": CHINESE}, follow=True)
    assert LOG_OUT_ZH in response.content.decode()
    assert Profile.objects.get(user=operator).language == CHINESE
    entry = AuditEntry.objects.get(action="profile.update")
    assert entry.changes == {"language": ["", CHINESE]}
    # A new login elsewhere reads the choice from the profile.
    assert LOG_OUT_ZH in client_as(operator).get(reverse("overview")).content.decode()
    # Back to "the browser's language".
    client.post(reverse("profile"), {"time_zone": "", "language": ""})
    assert "Log out" in client.get(reverse("overview"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_unknown_language_is_a_form_error(client_as: Any, operator: Any) -> None:
    response = client_as(operator).post(reverse("profile"), {"time_zone": "", "language": "xx-yy"})
    assert response.status_code == 200 and "xx-yy" in response.content.decode()
    assert not Profile.objects.filter(user=operator).exists()


def test_the_top_bar_switcher_saves_the_choice_when_signed_in(client_as: Any, operator: Any) -> None:
    client = client_as(operator)
    page = client.get(reverse("overview")).content.decode()
    assert f'action="{reverse("set_language")}"' in page and 'value="zh-hans"' in page
    response = client.post(reverse("set_language"), {"language": CHINESE, "next": reverse("profile")})
    assert response.status_code == 302 and response["Location"] == reverse("profile")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == CHINESE
    assert Profile.objects.get(user=operator).language == CHINESE
    # The switcher now offers English, named in English.
    page = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert LOG_OUT_ZH in page and 'value="en"' in page
    assert ">English</button>" in page


def test_the_switcher_works_signed_out_with_the_language_cookie(db: None) -> None:
    client = Client()
    assert 'value="zh-hans"' in client.get(reverse("login")).content.decode()
    response = client.post(reverse("set_language"), {"language": CHINESE, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"  # never an off-site redirect
    assert '<html lang="zh-hans">' in client.get(reverse("login")).content.decode()


def test_bad_switcher_input_is_never_a_500(client_as: Any, operator: Any) -> None:
    client = client_as(operator)
    assert client.post(reverse("set_language"), {"language": "klingon"}).status_code == 302
    assert client.get(reverse("set_language")).status_code == 405
    assert not Profile.objects.filter(user=operator, language="klingon").exists()


def test_the_javascript_catalog_is_a_script_under_the_csp(client_as: Any, operator: Any) -> None:
    client = client_as(operator)
    page = client.get(reverse("overview")).content.decode()
    assert f'<script src="{reverse("javascript-catalog")}"></script>' in page
    catalog = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert catalog.status_code == 200 and catalog["Content-Type"].startswith("text/javascript")
    assert "django.gettext" in catalog.content.decode()
    assert "script-src 'self'" in catalog["Content-Security-Policy"]


def test_the_javascript_catalog_speaks_the_language_and_revalidates_cheaply(
    client_as: Any, operator: Any
) -> None:
    client = client_as(operator)
    url = reverse("javascript-catalog")
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE)
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    # The player's strings (root locale/djangojs.po), not the admin's (it loads its own catalog).
    assert "\\u64ad\\u653e\\u4e2d" in chinese.content.decode()  # 播放中, "Playing"
    assert "Available %s" not in chinese.content.decode()
    assert english["ETag"] != chinese["ETag"]
    again = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE, HTTP_IF_NONE_MATCH=chinese["ETag"])
    assert again.status_code == 304


def test_cached_charts_are_drawn_per_language(settings: Any) -> None:
    """Chart titles and axis labels are translated when drawn (gettext at render time): the cost report's chart
    cache must not hand one language's drawing to the other."""
    from datetime import date
    from types import SimpleNamespace

    from django.utils import timezone
    from django.utils.translation import gettext

    from billing.report_cache import cached_charts

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    report: Any = SimpleNamespace(computed_at=timezone.now())  # only its computed_at is read

    def draw() -> dict[str, str]:
        return {"title": gettext("Overview")}

    drawn = {}
    for language in ("en", CHINESE, "en"):
        with translation.override(language):
            drawn[language] = cached_charts(
                month=date(2026, 3, 1), report=report, usage_stamp="x", build=draw
            )
    assert drawn == {"en": {"title": "Overview"}, CHINESE: {"title": "概览"}}
