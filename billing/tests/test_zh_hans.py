"""Billing pages in Simplified Chinese (issue #18): the cost report, the what-if calculator and the price-book form
take their headings, chart titles, form errors and flash messages from billing/locale, and English stays the
default. Stored text (audit names) and the CSV's header row stay English."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from billing.models import PriceBook
from billing.tests.test_pages import _plan, price_form_data
from dashboard.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def chart_titles(body: str) -> list[str]:
    """The titles of the page's plotly figures (their JSON sits in json_script blocks, non-ASCII escaped)."""
    blocks = re.findall(r'<script id="chart-[0-9a-f]+-figure" type="application/json">(.*?)</script>', body)
    figures: list[dict[str, Any]] = [json.loads(block) for block in blocks]
    return [figure["layout"]["title"]["text"] for figure in figures]


def test_the_cost_report_speaks_chinese_headings_components_and_charts(client_as, manager):
    body = client_as(manager).get(reverse("billing:report"), **ZH).content.decode()
    assert "预估与实际" in body and "按应用" in body and "按房间" in body
    assert "<b>合计</b>" in body  # the components table's total line, a translated English key
    assert "CSV（所有房间）" in body
    titles = chart_titles(body)
    assert "每日各项费用（UTC+8）" in titles and "实际费用最高的房间" in titles
    assert "Estimate vs actual" not in body

    english = client_as(manager).get(reverse("billing:report"), **EN).content.decode()
    assert "Estimate vs actual" in english and "Cost by component, day by day (UTC+8)" in chart_titles(
        english
    )


def test_the_report_csv_header_row_stays_english(client_as, manager):
    response = client_as(manager).get(reverse("billing:report_csv"), **ZH)
    header = response.content.decode().splitlines()[0]
    assert header.startswith("month,price_book,kind,app,room,room_key,sessions,hours")


def test_the_calculator_speaks_chinese_with_region_labels_and_chart_titles(client_as, manager):
    body = client_as(manager).post(reverse("billing:calculator"), _plan(), **ZH).content.decode()
    assert "费用试算" in body and "2026年12月预估" in body and "每日推流计费规则" in body
    assert '<option value="singapore" selected>新加坡</option>' in body
    assert "各项费用" in chart_titles(body)
    # The estimator's own wording (the storage note, the push rule's reason) follows the request too.
    assert "30 天" in body and ("不计费：" in body or "计费：" in body)


def test_a_calculator_form_error_is_chinese(client_as, manager):
    response = client_as(manager).post(
        reverse("billing:calculator"),
        {
            **_plan(),
            "month": "12/2026",
            "rec-0-archive_after_days": "10",
            "rec-0-deep_archive_after_days": "5",
        },
        **ZH,
    )
    body = response.content.decode()
    assert "请修正以下字段以查看预估：" in body
    # Each field is named by its label, not its form name.
    assert "<li>月份：请按 YYYY-MM 填写月份，例如 2026-12。</li>" in body
    assert "每次转换须比上一次至少晚一天" in body  # the estimator's rule, translated by the form


def test_the_price_book_form_its_error_and_its_flash_message_are_chinese(client_as, manager):
    client = client_as(manager)
    page = client.get(reverse("billing:pricebook_create"), **ZH).content.decode()
    assert "新建价目表版本" in page and "CAR 并发包（USD/并发）" in page
    assert "新加坡 S 包月" in page  # a price's label: region, spec and the pack's term

    data = price_form_data(client)
    invalid = client.post(
        reverse("billing:pricebook_create"), {**data, "price-car_packs-tokyo-S-daily": "-1"}, **ZH
    )
    assert "确保该值大于或等于0。" in invalid.content.decode()  # Django's own zh_Hans catalogue
    assert PriceBook.objects.count() == 1

    created = client.post(reverse("billing:pricebook_create"), data, follow=True, **ZH)
    assert "已创建价目表版本 2。" in created.content.decode()
    assert "价目表 v2" in created.content.decode()
    # The audit log names the book in English whatever the request's language.
    assert AuditEntry.objects.get(action="pricebook.create").object_repr.startswith("2027 prices (v2, from ")


def test_a_budget_saved_flash_and_the_budget_list_are_chinese(client_as, manager):
    from recordings.catalog.tests.factories import ClientAppFactory

    app = ClientAppFactory.create(name="Demo app")
    client = client_as(manager)
    response = client.post(
        reverse("billing:budget_create"),
        {"app": app.pk, "month": "", "amount_usd": "100", "warning_percent": "80"},
        follow=True,
        **ZH,
    )
    body = response.content.decode()
    assert "已保存预算：Demo app，每个月，100 USD。" in body
    assert '<div class="topbar-title">预算</div>' in body and "适用月份" in body


def test_the_estimate_api_speaks_the_requests_language_and_keeps_its_codes(client, operator, api_token):
    """The estimates API's human messages (and the estimator's wording) follow Accept-Language; codes stay."""
    from billing.tests.test_api import EXAMPLE

    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(operator)}", **ZH}
    url = reverse("billing:api_estimates")
    body = {**EXAMPLE, "month": "2026-13"}
    invalid = client.post(url, json.dumps(body), content_type="application/json", **headers)
    error = invalid.json()["error"]
    assert invalid.status_code == 400 and error["message"] == "请求体无效。"
    assert error["fields"]["month"] == ["请按 YYYY-MM 填写月份，例如 2026-12。"]
    assert error["code"].isascii()

    priced = client.post(url, json.dumps(EXAMPLE), content_type="application/json", **headers).json()
    assert "30 天" in priced["recordings"][0]["storage_note"]
