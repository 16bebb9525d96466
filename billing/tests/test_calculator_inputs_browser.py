"""The what-if calculator's datetime inputs show their whole value (no clipped AM/PM), on desktop and phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every datetime-local input: is it at least as wide as the browser's own width for its content (date, time,
# AM/PM and the picker button)? The fields live in a closed user-agent shadow root, so the input's scrollWidth
# does not grow when they are clipped; a hidden clone at `width: auto` measures the width they need.
MEASURE = """() => [...document.querySelectorAll('input[type=datetime-local]')].map((input) => {
  const probe = input.cloneNode();
  Object.assign(probe.style, {width: 'auto', minWidth: '0', maxWidth: 'none', position: 'absolute', visibility: 'hidden'});
  input.parentNode.appendChild(probe);
  const needed = probe.getBoundingClientRect().width;
  probe.remove();
  return {name: input.name, width: input.getBoundingClientRect().width, needed,
          scroll: input.scrollWidth, client: input.clientWidth};
})"""


@pytest.mark.parametrize(("width", "height"), [(1360, 900), (390, 844)])
def test_calculator_datetime_inputs_are_not_clipped(
    browser: Any, live_server: Any, manager: Any, list_price_book: Any, width: int, height: int
) -> None:
    # en-US: the widest common rendering of a datetime-local value ("12/01/2026, 08:00 PM" and the picker).
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", manager.get_username())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(live_server.url + reverse("billing:calculator"))
        page.click("text=Add recording")
        page.wait_for_function("document.querySelectorAll('input[type=datetime-local]').length === 2")
        page.fill("input[type=datetime-local] >> nth=1", "2026-12-28T23:59")
        inputs = page.evaluate(MEASURE)
        # On a desktop the whole recordings row fits its card: its Remove button is not scrolled out of sight.
        table = page.evaluate(
            "() => { const box = document.querySelector('.recordings-table').parentElement;"
            " return {scroll: box.scrollWidth, client: box.clientWidth}; }"
        )
    finally:
        context.close()
    assert len(inputs) == 2
    if width >= 1360:
        assert table["scroll"] <= table["client"], f"the recordings table scrolls at {width} px: {table}"
    for box in inputs:
        assert box["needed"] > 150  # the probe measured a real datetime editor
        assert box["width"] >= box["needed"] - 0.5, f"{box['name']} is clipped at {width} px: {box}"
        assert box["scroll"] <= box["client"], f"{box['name']} overflows at {width} px: {box}"
