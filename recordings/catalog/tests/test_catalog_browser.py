"""In a real browser: an operator registers a WEB client app and a room, with inline validation on the way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from recordings.models import ClientApp, Room


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_creates_a_web_app_and_a_room(
    page: Any, live_server: Any, browser_login: Callable[[Any, User], None], operator: User
) -> None:
    browser_login(page, operator)
    page.click("nav >> text=Client apps")
    page.wait_for_selector("text=No client apps yet")
    page.click("text=New client app")

    page.fill("#id_name", "Bullet comments")
    page.select_option("#id_kind", "WEB")
    page.fill("#id_car_project_id", "cap-BAD")
    page.press("#id_car_project_id", "Tab")  # inline validation on change, before submitting anything
    page.wait_for_selector("#field-car_project_id .error")
    assert "A CAR project id looks like" in page.inner_text("#field-car_project_id")
    page.fill("#id_car_project_id", "cap-bullet01")
    page.press("#id_car_project_id", "Tab")
    page.wait_for_selector("#field-car_project_id:not(.has-error)")

    page.click("text=Create client app")  # no URL yet: the server refuses and says why
    page.wait_for_selector("#field-url .error")
    assert "A WEB app needs the URL of its page." in page.inner_text("#field-url")
    page.fill("#id_url", "https://bullet.example.com/overlay")
    page.fill("#id_launch_parameters", "--room={room_key} --stream={stream_name}")
    page.click("text=Create client app")
    page.wait_for_selector("text=Client app “Bullet comments” created.")

    page.click("text=Add a room")
    page.fill("#id_name", "Evening show")
    page.fill("#id_room_key", "Evening.Show:1")
    page.press("#id_room_key", "Tab")
    page.wait_for_selector("#stream-name-suggestion code")
    assert page.inner_text("#stream-name-suggestion code") == "evening-show-1"
    page.fill("#id_tags", "Music, prime time")
    page.click("text=Create room")
    page.wait_for_selector("text=Room “Evening show” created.")
    assert "--room=Evening.Show:1 --stream=evening-show-1" in page.inner_text("main")

    page.click("nav >> text=Rooms")
    row = page.locator("#results tr", has_text="Evening show")
    assert "Bullet comments" in row.inner_text() and "prime-time" in row.inner_text()
    page.fill("input[name=q]", "nothing-like-this")
    page.wait_for_selector("text=No rooms match")  # the filter swaps the results in place
    assert "q=nothing-like-this" in page.url

    page.click("nav >> text=Client apps")
    assert "Bullet comments" in page.inner_text("#results")
    assert ClientApp.objects.get().url == "https://bullet.example.com/overlay"
    assert Room.objects.get().stream_name == "evening-show-1"
