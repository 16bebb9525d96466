"""The cost report CSV (the console's one CSV export) neutralises names a spreadsheet would run (issue 14, item 2)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from billing.tests.report_support import worked_december

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("list_price_book")]


def test_the_cost_report_csv_neutralises_app_and_room_names(client_as, manager):
    room_a, room_b = worked_december()
    room_a.client_app.name = "=cmd|' /C calc'!A0"
    room_a.client_app.save()
    room_b.name = "@SUM(A1:A9)"
    room_b.save()
    response = client_as(manager).get(reverse("billing:report_csv"), {"month": "2026-12"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert "'=cmd|' /C calc'!A0" in {row["app"] for row in rows}
    assert "'@SUM(A1:A9)" in {row["room"] for row in rows}
    cells = [cell for row in rows for cell in row.values()]
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
