from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_changes_the_plan_and_sees_breakdown_and_chart_update(
    page, live_server, browser_login, manager, list_price_book
):
    browser_login(page, manager)
    page.goto(live_server.url + reverse("billing:calculator"))
    page.wait_for_selector("#estimate .js-plotly-plot")
    playback_before = page.inner_text("#estimate-playback")
    chart_before = page.locator("#estimate .plotly-graph-div").first.get_attribute("id")

    page.fill("#id_downstream_gb_per_day", "5000")
    page.dispatch_event("#id_downstream_gb_per_day", "change")

    page.wait_for_function(
        "before => document.querySelector('#estimate-playback').innerText !== before", arg=playback_before
    )
    page.wait_for_selector("#estimate .js-plotly-plot")
    assert page.inner_text("#estimate-playback") != playback_before
    assert page.locator("#estimate .plotly-graph-div").first.get_attribute("id") != chart_before
    # The plan form was not re-rendered: the typed value is still there.
    assert page.input_value("#id_downstream_gb_per_day") == "5000"

    page.click("text=Add recording")
    page.wait_for_function("document.querySelectorAll('.recording-row').length === 2")
    page.wait_for_selector("#estimate .js-plotly-plot")
