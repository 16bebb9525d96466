"""In Chromium with Debian's CJK fonts: an operator switches the console to 中文 in the top bar and walks the
overview → rooms → a room → the start-a-recording form in Chinese; the JavaScript strings follow."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from billing.tests.conftest import list_price_book  # noqa: F401 (a fixture: transactional tests flush it)
from dashboard.models import Profile
from dashboard.tests.i18n_support import compile_catalogs
from recordings.catalog.tests.factories import RoomFactory
from recordings.models import Room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(name="晚间直播间")


def test_cjk_fonts_are_installed() -> None:
    """`make test` installs Debian's fonts-noto-cjk with Chromium: without it Chinese renders as empty boxes."""
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    assert "Noto Sans CJK" in families.stdout, "run `make chromium` (installs fonts-noto-cjk)"


@pytest.mark.usefixtures("list_price_book")
def test_an_operator_switches_to_chinese_and_records_in_chinese(
    page: Any,
    live_server: Any,
    browser_login: Callable[[Any, User], None],
    operator: User,
    room: Room,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    compile_catalogs()
    browser_login(page, operator)
    expect(page.locator(".topbar-title")).to_have_text("Overview")
    page.locator("[data-testid=language-switch] button[value=zh-hans]").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".topbar-title")).to_have_text("概览")
    assert Profile.objects.get(user=operator).language == "zh-hans"
    # The page's scripts read the Chinese catalog (/jsi18n/) loaded before them.
    assert page.evaluate("gettext('Playing')") == "播放中"

    page.locator("#sidebar nav").get_by_role(
        "link", name="房间", exact=True
    ).click()  # the sidebar, in Chinese
    page.wait_for_url(f"{live_server.url}/rooms/")
    expect(page.locator(".topbar-title")).to_have_text("房间")
    page.get_by_role("link", name="晚间直播间").first.click()
    page.wait_for_url(f"{live_server.url}/rooms/{room.pk}/")
    record = page.locator("#room-recording button[type=submit]")
    assert chinese(record.inner_text()), record.inner_text()

    page.fill("#room-recording input[name=duration_minutes]", "45")
    record.click()
    page.wait_for_url(f"{live_server.url}/rooms/{room.pk}/record/?duration_minutes=45")
    heading = page.locator(".topbar-title").inner_text()
    assert chinese(heading), heading
    start = page.locator("main button[type=submit]").last
    assert chinese(start.inner_text()), start.inner_text()
    labels = page.locator("main label").all_inner_texts()
    assert labels and all(chinese(label) for label in labels), labels
    page.screenshot(path=str(tmp_path / "start-zh.png"))  # rendered with the CJK font (no tofu boxes to read)
    assert (tmp_path / "start-zh.png").stat().st_size > 10_000
