"""Dates, times and numbers follow the page's language (issue #18); money keeps its currency."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from dashboard.forms import AuditFilterForm
from dashboard.timezones import format_local, format_range, localized_format

# 2026-03-04 05:06:07 UTC = Wednesday 13:06:07 in Singapore (+08, the test settings' TIME_ZONE).
INSTANT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_literal_formats_with_names_follow_the_language() -> None:
    assert format_local(INSTANT, "D Y-m-d H:i") == "Wed 2026-03-04 13:06 +08"
    assert render('{{ d|date:"F Y" }} {{ d|date:"D j M" }}', d=date(2026, 3, 4)) == "March 2026 Wed 4 Mar"
    with translation.override("zh-hans"):
        assert format_local(INSTANT, "D Y-m-d H:i") == "2026-03-04 星期三 13:06 +08"
        assert (
            render('{{ d|date:"F Y" }}|{{ d|date:"D j M" }}', d=date(2026, 3, 4)) == "2026年3月|3月4日 星期三"
        )
        # Numeric formats read the same in both languages.
        assert format_local(INSTANT, "Y-m-d H:i:s") == "2026-03-04 13:06:07 +08"


def test_format_names_are_the_locales() -> None:
    with translation.override("zh-hans"):
        assert localized_format("YEAR_MONTH_FORMAT") == "Y年n月"
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=date(2026, 3, 4)) == "2026-03-04"
        assert render('{{ d|date:"DATE_FORMAT" }}', d=date(2026, 3, 4)) == "2026年3月4日"
        assert render('{{ t|when:"DATETIME_FORMAT" }}', t=INSTANT) == "2026年3月4日 13:06 +08"
    assert render('{{ d|date:"DATE_FORMAT" }}', d=date(2026, 3, 4)) == "March 4, 2026"


def test_a_range_keeps_its_shape_in_chinese() -> None:
    end = datetime(2026, 3, 4, 7, 30, tzinfo=UTC)
    with translation.override("zh-hans"):
        assert format_range(INSTANT, end, "D Y-m-d H:i") == "2026-03-04 星期三 13:06 → 15:30 +08"


@pytest.mark.django_db
def test_date_inputs_keep_iso_values_in_chinese() -> None:
    """<input type="date"> only takes ISO values: Django's zh_Hans would write 2026/03/04 (an empty input)."""
    with translation.override("zh-hans"):
        html = str(AuditFilterForm(initial={"since": date(2026, 3, 4)})["since"])
        assert 'value="2026-03-04"' in html
        field = forms.DateTimeField()
        assert field.clean("2026-03-04T13:06") == datetime(
            2026, 3, 4, 13, 6, tzinfo=field.clean("2026-03-04T13:06").tzinfo
        )
        assert forms.DateField().clean("2026-03-04") == date(2026, 3, 4)


def test_numbers_use_the_locales_separators_and_money_keeps_its_currency() -> None:
    source = '{% load billing l10n %}{{ n|floatformat:"2g" }} {{ m|usd }}'
    english = render(source, n=Decimal("1234567.891"), m=Decimal("1234.5"))
    with translation.override("zh-hans"):
        chinese = render(source, n=Decimal("1234567.891"), m=Decimal("1234.5"))
    assert english == chinese == "1,234,567.89 $1,234.50"
