"""Times are shown by one rule: in the active zone (the user's, else the console's), with the zone named."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from dashboard import audit
from dashboard.models import AuditEntry, Profile
from dashboard.timezones import (
    day_end,
    day_start,
    format_local,
    format_range,
    localize_value,
    within_days,
    zone_description,
    zone_label,
)

# 2026-03-04 05:06:07 UTC = 13:06:07 in Singapore (+08, the test settings' TIME_ZONE) = 06:06:07 in Berlin (CET).
INSTANT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture(autouse=True)
def console_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Singapore"


def test_format_local_names_the_console_zone_by_default() -> None:
    assert format_local(INSTANT) == "2026-03-04 13:06 +08"
    assert format_local(INSTANT, "H:i:s") == "13:06:07 +08"
    assert format_local(None) == ""


def test_format_local_follows_the_active_zone_and_its_daylight_saving_name() -> None:
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert format_local(INSTANT, "Y-m-d H:i:s") == "2026-03-04 06:06:07 CET"
        assert format_local(INSTANT + timedelta(days=120)) == "2026-07-02 07:06 CEST"
        assert zone_description() == "Europe/Berlin (CET)" or zone_description() == "Europe/Berlin (CEST)"
    assert format_local(INSTANT, zone=ZoneInfo("UTC")) == "2026-03-04 05:06 UTC"
    assert zone_label(INSTANT) == "+08"


def test_format_range_names_the_zone_once_and_keeps_the_end_date_across_midnight() -> None:
    assert format_range(INSTANT, INSTANT + timedelta(hours=2)) == "2026-03-04 13:06 → 15:06 +08"
    assert format_range(INSTANT, INSTANT + timedelta(hours=12)) == "2026-03-04 13:06 → 2026-03-05 01:06 +08"
    assert (
        format_range(INSTANT, INSTANT + timedelta(hours=1), "D Y-m-d H:i")
        == "Wed 2026-03-04 13:06 → 14:06 +08"
    )
    assert format_range(INSTANT, None) == "2026-03-04 13:06 +08"


def test_a_day_filter_spans_the_whole_day_in_the_active_zone() -> None:
    day = date(2026, 3, 29)  # Berlin moves to summer time that night: the day ends at +02
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert day_start(day) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
        assert day_end(day) == datetime(2026, 3, 29, 21, 59, 59, 999999, tzinfo=UTC)
    assert day_start(day) == datetime(2026, 3, 28, 16, 0, tzinfo=UTC)  # the console's zone, +08


@pytest.mark.django_db
def test_within_days_keeps_the_rows_of_the_whole_days_in_the_active_zone() -> None:
    at = {
        name: AuditEntry.objects.create(action=name, at=moment)
        for name, moment in {
            "before": datetime(2026, 3, 28, 15, 59, 59, tzinfo=UTC),  # 23:59:59 on the 28th at +08
            "first": datetime(2026, 3, 28, 16, 0, tzinfo=UTC),  # 00:00 on the 29th at +08
            "last": datetime(2026, 3, 30, 15, 59, 59, tzinfo=UTC),  # 23:59:59 on the 30th at +08
            "after": datetime(2026, 3, 30, 16, 0, tzinfo=UTC),
        }.items()
    }

    def kept(since: date | None, until: date | None) -> set[str]:
        return set(
            AuditEntry.objects.filter(within_days("at", since, until)).values_list("action", flat=True)
        )

    assert kept(date(2026, 3, 29), date(2026, 3, 30)) == {"first", "last"}
    assert kept(date(2026, 3, 29), None) == {"first", "last", "after"}
    assert kept(None, date(2026, 3, 30)) == {"before", "first", "last"}
    assert kept(None, None) == set(at)


def test_localize_value_rewrites_iso_instants_only() -> None:
    diff = {
        "planned_start": ["2026-03-04T05:06:07Z", "2026-03-04T05:06:07.123+00:00"],
        "effective_from": ["2026-03-01", "2026-04-01"],  # dates have no zone: unchanged
        "name": ["2026-03-04T05:06 is a name", 3],
        "nested": {"at": "2026-03-04T06:06:07+01:00"},
    }
    assert localize_value(diff) == {
        "planned_start": ["2026-03-04 13:06:07 +08", "2026-03-04 13:06:07 +08"],
        "effective_from": ["2026-03-01", "2026-04-01"],
        "name": ["2026-03-04T05:06 is a name", 3],
        "nested": {"at": "2026-03-04 13:06:07 +08"},
    }


def test_template_filters_are_builtin_and_say_the_zone() -> None:
    template = Template(
        '{{ at|when }}|{{ at|when:"H:i:s" }}|{{ missing|when|default:"—" }}|{% time_range at end %}|{{ day|when }}'
    )
    text = template.render(
        Context({"at": INSTANT, "end": INSTANT + timedelta(minutes=30), "day": date(2026, 3, 4)})
    )
    assert text == "2026-03-04 13:06 +08|13:06:07 +08|—|2026-03-04 13:06 → 13:36 +08|2026-03-04"


@pytest.mark.django_db
def test_audit_log_shows_when_and_the_changed_instants_in_the_console_zone(
    client_as: Any, manager: Any
) -> None:
    entry = audit.record(
        actor=manager,
        action="session.create",
        object_repr="a session",
        changes={"planned_start": "2026-03-04T05:06:07Z", "name": "plain"},
    )
    AuditEntry.objects.filter(pk=entry.pk).update(at=INSTANT)
    page = client_as(manager).get(reverse("audit_log")).content.decode()
    assert "2026-03-04 13:06:07 +08" in page.split("<tbody>")[1].split("</td>")[0]
    changes = page.split('class="changes">')[1].split("</td>")[0]
    assert "2026-03-04 13:06:07 +08" in changes and "05:06:07" not in changes and "plain" in changes


@pytest.mark.django_db
def test_a_user_picks_their_zone_and_every_page_follows_it(client_as: Any, operator: Any) -> None:
    entry = audit.record(actor=operator, action="room.update", changes={"at": "2026-03-04T05:06:07Z"})
    AuditEntry.objects.filter(pk=entry.pk).update(at=INSTANT)
    client = client_as(operator)
    page = client.get(reverse("profile")).content.decode()
    assert "Asia/Singapore (+08)" in page and 'href="/accounts/profile/"' in page

    response = client.post(reverse("profile"), {"time_zone": "Europe/Berlin"}, follow=True)
    assert "Times are now shown in Europe/Berlin" in response.content.decode()
    assert Profile.objects.get(user=operator).time_zone == "Europe/Berlin"
    changed = AuditEntry.objects.get(action="profile.update")
    assert changed.actor == operator and changed.changes == {"time_zone": ["", "Europe/Berlin"]}

    audit_page = client.get(reverse("audit_log")).content.decode()
    assert "2026-03-04 06:06:07 CET" in audit_page and "13:06:07" not in audit_page

    # A new login (another browser) picks the choice up from the profile.
    other = client_as(operator)
    assert "2026-03-04 06:06:07 CET" in other.get(reverse("audit_log")).content.decode()

    client.post(reverse("profile"), {"time_zone": ""})
    assert "2026-03-04 13:06:07 +08" in client.get(reverse("audit_log")).content.decode()


@pytest.mark.django_db
def test_an_unknown_zone_is_refused_with_a_form_error(client_as: Any, operator: Any) -> None:
    response = client_as(operator).post(reverse("profile"), {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Profile.objects.filter(user=operator).exists()
    assert not AuditEntry.objects.filter(action="profile.update").exists()


@pytest.mark.django_db
def test_the_zone_is_per_request_and_anonymous_pages_use_the_console_zone(
    client_as: Any, operator: Any
) -> None:
    Profile.objects.create(user=operator, time_zone="America/New_York")
    client = client_as(operator)
    page = client.get(reverse("profile")).content.decode()
    assert 'data-testid="active-zone">America/New_York (E' in page
    assert timezone.get_current_timezone_name() == "Asia/Singapore"  # deactivated after the request
    login_page = client_as(None).get(reverse("login"))
    assert login_page.status_code == 200


@pytest.mark.django_db
def test_sessions_from_before_profiles_look_the_zone_up_once(client_as: Any, operator: Any) -> None:
    Profile.objects.create(user=operator, time_zone="Europe/Berlin")
    client = client_as(operator)
    session = client.session
    del session["console_time_zone"]
    session.save()
    entry = audit.record(actor=operator, action="room.update")
    AuditEntry.objects.filter(pk=entry.pk).update(at=INSTANT)
    assert "2026-03-04 06:06:07 CET" in client.get(reverse("audit_log")).content.decode()
    assert client.session["console_time_zone"] == "Europe/Berlin"
