"""Keyboard use: every focusable element shows a focus ring, none is hidden, and the phone menu opens by keyboard."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard.tests.browser_crawl import login_context, role_user, run_axe, seed_demo_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element looks like: its outline and box-shadow, and whether it can be seen at all.
FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const hidden = box.width === 0 || box.height === 0 || style.visibility === 'hidden'
        || box.right <= 0 || box.left >= innerWidth;
    return {
        element: el.outerHTML.slice(0, 120),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1,
        shadow: style.boxShadow !== 'none',
        hidden,
    };
}"""


def tab_through(page, presses: int) -> list[dict]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None:
            break
        seen.append(state)
    return seen


@pytest.mark.parametrize(
    ("role", "url_name", "args"),
    [
        ("operator", "recordings:room_list", ()),
        ("manager", "billing:calculator", ()),
        ("operator", "overview", ()),
    ],
)
def test_every_tab_stop_is_visible_and_shows_a_focus_ring(browser, live_server, role, url_name, args):
    seed_demo_data()
    context = login_context(browser, live_server, role_user(role), width=1360)
    page = context.new_page()
    page.goto(live_server.url + reverse(url_name, args=args))
    stops = tab_through(page, 60)
    context.close()
    assert len(stops) > 10
    hidden = [stop["element"] for stop in stops if stop["hidden"]]
    unringed = [stop["element"] for stop in stops if not (stop["outline"] or stop["shadow"])]
    assert not hidden, f"focusable but not visible: {hidden}"
    assert not unringed, f"focused without a visible outline or shadow: {unringed}"


def test_the_phone_menu_opens_from_the_keyboard_and_its_links_are_hidden_while_closed(browser, live_server):
    seed_demo_data()
    context = login_context(browser, live_server, role_user("operator"), width=390, height=800)
    page = context.new_page()
    page.goto(live_server.url + reverse("recordings:room_list"))
    stops = tab_through(page, 1)
    assert stops[0]["element"].startswith('<button class="menu-toggle"'), stops[0]
    assert page.get_attribute("[data-menu-toggle]", "aria-expanded") == "false"

    page.keyboard.press("Enter")
    assert page.get_attribute("[data-menu-toggle]", "aria-expanded") == "true"
    expect(page.locator(".sidebar a").first).to_be_focused()
    page.get_by_role("link", name="Schedules").wait_for(state="visible")
    assert not run_axe(page)

    page.keyboard.press("Escape")
    expect(page.locator("[data-menu-toggle]")).to_be_focused()
    assert page.get_attribute("[data-menu-toggle]", "aria-expanded") == "false"
    page.locator("#sidebar").wait_for(state="hidden")  # visibility: hidden, once it has slid away
    # Closed, the sidebar's links are out of the tab order: the next stops are the page's own, all visible.
    stops = tab_through(page, 8)
    assert not any(stop["hidden"] for stop in stops), stops
    assert not any("nav-link" in stop["element"] for stop in stops), stops
    context.close()
