import pytest
from django.urls import reverse

from dashboard import audit
from dashboard.models import ApiToken, AuditEntry
from dashboard.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_record_keeps_actor_object_changes_and_ip(operator, client_as):
    token, _ = api_token_create(user=operator, name="backend")
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor == operator
    assert entry.actor_name == operator.username
    assert entry.object_type == "dashboard.apitoken"
    assert entry.object_id == str(token.pk)
    assert entry.changes == {"user": operator.username}
    assert entry.ip is None  # no request in flight

    client = client_as(operator)
    client.post(reverse("token_revoke", args=[token.pk]), REMOTE_ADDR="203.0.113.9")
    revoke = AuditEntry.objects.get(action="api_token.revoke")
    assert revoke.ip == "203.0.113.9"


def test_diff_fields_reports_only_changed_values():
    assert audit.diff_fields({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}


def test_audit_log_filters(client_as, manager, operator):
    api_token_create(user=operator, name="one")
    audit.record(actor=manager, action="pricebook.create", object_repr="Price book 2")
    client = client_as(manager)
    page = client.get(reverse("audit_log"), {"action": "pricebook.create"}).content.decode()
    assert "Price book 2" in page and "api_token.create" not in page.split("<tbody>")[1]
    page = client.get(reverse("audit_log"), {"actor": operator.pk}).content.decode()
    assert "api_token.create" in page and "Price book 2" not in page
    partial = client.get(
        reverse("audit_log"), {"q": "Price"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert partial.content.decode().lstrip().startswith('<div id="results">')


def test_token_is_stored_hashed_shown_once_and_revocable(client_as, operator):
    client = client_as(operator)
    response = client.post(reverse("token_list"), {"name": "room backend"})
    token = ApiToken.objects.get(user=operator)
    secret = response.context["new_secret"]
    assert secret.startswith("cnr_") and secret not in token.key_hash
    assert token.key_hash == ApiToken.hash_secret(secret)
    assert secret not in client.get(reverse("token_list")).content.decode()
    api_token_revoke(token=token, actor=operator)
    assert not ApiToken.objects.active().exists()


def test_create_api_token_command_prints_a_working_token(operator):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_token", operator.username, stdout=out)
    secret = out.getvalue().strip()
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_secret(secret)).exists()


def test_list_swaps_replace_the_results_element_instead_of_nesting_it(client_as, manager):
    for index in range(60):
        audit.record(actor=manager, action="probe", object_repr=f"entry {index}")
    page = client_as(manager).get(reverse("audit_log")).content.decode()
    form = page.split('<form class="filters"')[1].split(">")[0]
    next_link = page.split('rel="next"')[0].rsplit("<a ", 1)[1]
    # The partial is the #results element itself, so every swap into #results must replace it (outerHTML).
    assert 'hx-target="#results"' in form and 'hx-swap="outerHTML"' in form
    assert 'hx-target="#results"' in next_link and 'hx-swap="outerHTML"' in next_link
