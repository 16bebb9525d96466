"""The API reference in Chromium: Swagger UI (from npm, served as static) renders every operation of the
OpenAPI document, with its 409 answers, without console errors or axe-core violations, at desktop and phone
widths."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from dashboard.openapi import openapi_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = "#operations-Recordings-recording_start"  # Swagger UI's id: operations-<tag>-<operationId>


@pytest.mark.parametrize("viewport", [{"width": 1360, "height": 900}, {"width": 390, "height": 844}])
def test_swagger_ui_renders_the_operations_with_their_answers(
    page: Any, live_server: Any, browser_login: Any, operator: Any, api_token: Any, viewport: dict[str, int]
) -> None:
    api_token(operator)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_viewport_size(viewport)
    browser_login(page, operator)
    if page.locator(".menu-toggle").is_visible():  # the phone layout hides the sidebar behind ☰
        page.click(".menu-toggle")
    page.locator("nav[aria-label=Main]").get_by_role("link", name="API reference").click()
    page.wait_for_url(f"{live_server.url}/api/docs/")

    doc = openapi_document()
    operations = sum(len(methods) for methods in doc["paths"].values())
    assert operations >= 16
    # Swagger UI draws the document's outgoing webhooks (OpenAPI 3.1 `webhooks`) as operations too.
    webhooks = sum(len(methods) for methods in doc.get("webhooks", {}).values())
    expect(page.locator(".swagger-ui .opblock")).to_have_count(operations + webhooks)
    expect(page.locator(".swagger-ui .opblock-tag")).to_have_count(len(doc["tags"]))  # Rooms, Recordings, …
    assert not page.locator("[data-api-fallback]").is_visible()  # the no-JavaScript list gives way

    operation = page.locator(START)
    operation.locator(".opblock-summary-control").click()
    responses = operation.locator(".responses-table .response")
    responses.filter(has_text="409").first.wait_for()
    codes = [
        code.strip()
        for code in operation.locator(".responses-table td.response-col_status").all_inner_texts()
    ]
    assert {"201", "200", "400", "401", "403", "404", "409"} <= {code.split()[0] for code in codes}
    assert "already being recorded" in operation.inner_text()  # the 409's example body

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width} px wide"
    # Swagger UI's own colours and markup, as the console overrides and labels them, pass WCAG 2 A/AA.
    page.add_script_tag(path="node_modules/axe-core/axe.min.js")
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        "  .then(result => result.violations.map(v => v.id + ': ' + v.nodes.length + ' elements'))",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
    )
    assert violations == []
    assert problems == []
