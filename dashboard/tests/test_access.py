import pytest
from django.urls import reverse

from dashboard.access import PERMISSION_MATRIX, Capability, Role, capabilities_of, has_capability

pytestmark = pytest.mark.django_db


def test_every_capability_is_in_the_matrix():
    assert set(PERMISSION_MATRIX) == set(Capability)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            "operator",
            {
                "view_catalog",
                "manage_catalog",
                "view_recordings",
                "operate_recordings",
                "estimate",
                "view_audit",
                "manage_webhooks",
                "view_alerts",
                "manage_alerts",
                "manage_retention",
            },
        ),
        (
            "manager",
            {
                "view_catalog",
                "view_recordings",
                "view_costs",
                "edit_prices",
                "estimate",
                "view_reviews",
                "view_audit",
                "view_alerts",
                "manage_alerts",
                "manage_retention",
                "hold_files",
            },
        ),
        (
            "moderator",
            {"view_catalog", "view_recordings", "review", "view_reviews", "view_alerts", "hold_files"},
        ),
    ],
)
def test_role_capabilities_match_the_readme_matrix(role_user, role, allowed):
    assert {cap.value for cap in capabilities_of(role_user(role))} == allowed


def test_anonymous_and_inactive_users_have_nothing(operator):
    from django.contrib.auth.models import AnonymousUser

    assert capabilities_of(AnonymousUser()) == frozenset()
    operator.is_active = False
    assert not has_capability(operator, Capability.VIEW_CATALOG)


def test_superuser_has_everything(db):
    from conftest import make_user

    admin = make_user("root", is_superuser=True, is_staff=True)
    assert capabilities_of(admin) == frozenset(Capability)


def test_role_groups_are_created_by_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.parametrize(
    ("url_name", "allowed_roles"),
    [
        ("overview", {"operator", "manager", "moderator"}),
        ("audit_log", {"operator", "manager"}),
        ("token_list", {"operator", "manager", "moderator"}),
        ("password_change", {"operator", "manager", "moderator"}),
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "operator", "manager", "moderator"])
def test_dashboard_pages_enforce_roles(client_as, role_user, url_name, allowed_roles, role):
    response = client_as(role_user(role)).get(reverse(url_name))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role in allowed_roles:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert b"Your role cannot open this page" in response.content


def test_navigation_shows_only_allowed_sections(client_as, moderator, operator):
    moderator_page = client_as(moderator).get(reverse("overview")).content.decode()
    operator_page = client_as(operator).get(reverse("overview")).content.decode()
    assert reverse("audit_log") not in moderator_page
    assert reverse("audit_log") in operator_page
    assert 'data-role="Moderator"' in moderator_page


@pytest.mark.django_db(transaction=True)
def test_role_groups_come_back_after_a_flush():
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
