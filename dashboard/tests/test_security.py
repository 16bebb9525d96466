"""Issue 14's security items owned here: forged callbacks (1), CSV formula injection (2), login throttling (3) and
review notes under claims and escalations (6)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.checks import Error, Warning
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, make_user
from dashboard.access import Role
from dashboard.checks import callback_key_check, callback_key_deploy_check
from dashboard.csv_export import csv_writer, neutralise_cell
from dashboard.models import AuditEntry
from recordings.media.services.callbacks import SIBLING_GRACE
from recordings.media.tests.support import CALLBACK_KEY, sign
from recordings.models import CssCallbackEvent, Decision, ReviewNote
from recordings.review.services import review
from recordings.review.services.review import ReviewError, VerdictInput
from recordings.review.tests.support import make_file

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ClientAs = Callable[[User | None], Client]


# --- 1. callbacks ---------------------------------------------------------------------------------------------
def post_callback(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/callbacks/css/", data=json.dumps(body), content_type="application/json")


def unknown_event(**extra: Any) -> dict[str, Any]:
    return {"event_type": 9999, "stream_id": "s-1", **extra}


def test_an_empty_callback_key_refuses_every_callback(client: Client, settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = ""
    forged = sign({"event_type": 1, "stream_id": "room-1", "sequence": "1"}, key="")
    response = post_callback(client, forged)
    assert response.status_code == 403
    assert "CSS_CALLBACK_KEY" in response.json()["message"]
    assert not CssCallbackEvent.objects.exists()


def test_the_empty_key_is_reported_by_check_and_check_deploy(settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = ""
    assert [type(m) for m in callback_key_check()] == [Warning]
    assert [type(m) for m in callback_key_deploy_check()] == [Error]
    settings.CSS_CALLBACK_KEY = "set"
    assert callback_key_check() == [] and callback_key_deploy_check() == []


@pytest.mark.parametrize("ahead_s", [10**22, 3600, 600 + 61])
def test_a_t_beyond_the_ten_minute_validity_is_refused(client: Client, settings: Any, ahead_s: int) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY
    response = post_callback(client, sign(unknown_event(), t=int(time.time()) + ahead_s))
    assert response.status_code == 403
    assert not CssCallbackEvent.objects.exists()


def test_a_t_within_the_validity_is_accepted(client: Client, settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY
    assert post_callback(client, sign(unknown_event(), t=int(time.time()) + 600)).status_code == 200


def test_a_pair_reused_with_another_body_is_refused_the_same_body_is_a_retry(
    client: Client, settings: Any
) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY
    original = sign(unknown_event(n=1))
    assert post_callback(client, original).status_code == 200
    # Seen a while ago: CSS's own siblings of that second have all arrived by now.
    CssCallbackEvent.objects.update(received_at=timezone.now() - SIBLING_GRACE - timedelta(seconds=1))

    forged = {**original, "stream_id": "someone-elses-room", "n": 2}
    response = post_callback(client, forged)
    assert response.status_code == 409
    assert CssCallbackEvent.objects.count() == 1

    retry = post_callback(client, original)
    assert retry.status_code == 200 and retry.json()["duplicate"] is True
    assert CssCallbackEvent.objects.get().duplicates == 1


def test_siblings_signed_in_the_same_second_are_accepted(client: Client, settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = CALLBACK_KEY
    t = int(time.time()) + 600
    assert post_callback(client, sign(unknown_event(n=1), t=t)).status_code == 200
    assert post_callback(client, sign(unknown_event(n=2), t=t)).status_code == 200
    assert CssCallbackEvent.objects.count() == 2


# --- 2. CSV formula injection ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ('+HYPERLINK("http://x")', '\'+HYPERLINK("http://x")'),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("-1+1", "'-1+1"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-12.50", "-12.50"),
        ("Lobby", "Lobby"),
        (3, 3),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value: Any, written: Any) -> None:
    assert neutralise_cell(value) == written
    out = io.StringIO()
    csv_writer(out).writerow([value])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [str(written)]


def test_every_csv_export_writes_through_the_safe_writer() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("dashboard", "recordings", "billing", "tencent")
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts
        and path.name != "csv_export.py"
        and re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert offenders == []


# --- 3. login throttling --------------------------------------------------------------------------------------
def login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def throttled(settings: Any) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]


def test_five_wrong_passwords_lock_the_user_even_with_the_right_one(
    client: Client, operator: User, throttled: None
) -> None:
    for n in range(5):
        login(client, "olivia", "wrong", ip=f"10.0.0.{n + 1}")  # from five addresses: the user still locks
    response = login(client, "olivia", PASSWORD, ip="10.0.0.99")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.filter(action="auth.lockout").order_by("at").first()
    assert entry is not None and entry.object_repr == "olivia" and entry.changes["username"] == "olivia"
    assert entry.ip == "10.0.0.5"  # the fifth failure locked
    rows = AuditEntry.objects.filter(action="auth.lockout").count()
    login(client, "olivia", PASSWORD, ip="10.0.0.99")  # refused again: one row per lockout, not per try
    assert AuditEntry.objects.filter(action="auth.lockout").count() == rows


def test_failures_from_one_address_lock_that_address_for_every_user(
    client: Client, operator: User, throttled: None
) -> None:
    for n in range(5):
        login(client, f"nobody-{n}", "wrong", ip="10.9.9.9")
    assert login(client, "olivia", PASSWORD, ip="10.9.9.9").status_code == 429
    assert login(client, "olivia", PASSWORD, ip="10.1.1.1").status_code == 302  # another address: fine
    assert AuditEntry.objects.filter(action="auth.lockout", ip="10.9.9.9").exists()


def test_fewer_failures_then_the_right_password_logs_in(
    client: Client, operator: User, throttled: None
) -> None:
    for _ in range(4):
        assert login(client, "olivia", "wrong").status_code == 200
    assert login(client, "olivia", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()  # a success resets the count


def test_an_admin_unlocks_in_the_admin(client_as: ClientAs, operator: User, throttled: None) -> None:
    anonymous = Client()
    for _ in range(5):
        login(anonymous, "olivia", "wrong")
    assert login(anonymous, "olivia", PASSWORD).status_code == 429
    assert admin.site.is_registered(AccessAttempt)
    superuser = User.objects.create_superuser("root", "root@example.com", "pw")
    attempt = AccessAttempt.objects.get(username="olivia")
    deleted = client_as(superuser).post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert login(anonymous, "olivia", PASSWORD).status_code == 302


def test_api_tokens_are_unaffected_by_a_lockout(
    client: Client, operator: User, api_token: Callable[[User], str], throttled: None
) -> None:
    token = api_token(operator)
    for _ in range(5):
        login(client, "olivia", "wrong", ip="10.0.0.1")
    assert login(client, "olivia", PASSWORD, ip="10.0.0.1").status_code == 429
    response = client.get("/api/v1/rooms", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200
    wrong = client.get("/api/v1/rooms", HTTP_AUTHORIZATION="Bearer nope", REMOTE_ADDR="10.0.0.2")
    assert wrong.status_code == 401
    assert AccessAttempt.objects.filter(ip_address="10.0.0.2").count() == 0


def test_env_example_lists_the_throttling_settings() -> None:
    listed = (ROOT / ".env.example").read_text()
    for name in ("AXES_ENABLED", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES", "AXES_LOCKOUT_PARAMETERS"):
        assert re.search(rf"^#?\s*{name}=", listed, re.M), name


# --- 6. review notes follow claims and escalations ------------------------------------------------------------
def test_a_note_on_a_file_claimed_by_another_moderator_is_refused(moderator: User) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    review.review_claim(file_pk=recording.pk, actor=moderator)
    with pytest.raises(ReviewError, match="maya is reviewing"):
        review.review_note_add(file_pk=recording.pk, position_s=1, text="mine now", actor=other)
    review.review_note_add(file_pk=recording.pk, position_s=1, text="my own", actor=moderator)
    assert list(ReviewNote.objects.values_list("text", flat=True)) == ["my own"]


def test_a_note_on_a_file_escalated_to_someone_else_is_refused(moderator: User, manager: User) -> None:
    other = make_user("otto", Role.MODERATOR)
    recording = make_file()
    escalation = VerdictInput(decision=Decision.ESCALATE, escalate_to=manager.pk, comment="?")
    review.review_verdict(file_pk=recording.pk, verdict=escalation, actor=moderator)
    with pytest.raises(ReviewError, match="escalated to mark"):
        review.review_note_add(file_pk=recording.pk, position_s=1, text="x", actor=other)
    review.review_note_add(file_pk=recording.pk, position_s=1, text="manager's", actor=manager)
    assert list(ReviewNote.objects.values_list("text", flat=True)) == ["manager's"]


def test_a_forged_x_forwarded_for_is_never_the_client_address(rf: Any, settings: Any) -> None:
    from dashboard.middleware import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="198.51.100.1")
    settings.TRUSTED_PROXY_COUNT = 0  # no proxy: the header is the client's own words
    assert client_ip(request) == "198.51.100.1"
    # One proxy: it appended the peer it saw; anything left of that was sent by the client.
    settings.TRUSTED_PROXY_COUNT = 1
    forged = rf.get("/", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7", REMOTE_ADDR="10.0.0.2")
    assert client_ip(forged) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(forged) == "10.9.9.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"  # too few entries: the peer
