"""Recording pages: list with filters and bounded queries, the session page, start/stop by role, overview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from recordings.catalog.tests.factories import RoomFactory
from recordings.models import Attention, AttentionKind, ClientApp, RecordingSession, Room
from recordings.sessions.lifecycle import SessionState, Step, Trigger
from recordings.sessions.services.sessions import session_create
from tencent.models import ApiCall

S = SessionState
pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: None) -> Room:
    return RoomFactory.create(name="Main stage")


def make_session(room: Room, **fields: object) -> RecordingSession:
    now = timezone.now()
    session = session_create(
        room=room, planned_start=now, planned_end=now + timedelta(hours=1), trigger=Trigger.MANUAL, actor=None
    )
    if fields:
        RecordingSession.objects.filter(pk=session.pk).update(**fields)
        session.refresh_from_db()
    return session


def test_list_filters_by_state_and_room_with_bounded_queries(
    client_as: Callable[[User | None], Client],
    moderator: User,
    django_assert_max_num_queries: Any,
) -> None:
    stage, other = RoomFactory.create(name="Main stage"), RoomFactory.create(name="Side room")
    for _ in range(5):
        make_session(stage, state=S.COMPLETED)
    failed = make_session(other, state=S.FAILED, failure_reason="No free CAR concurrency")
    client = client_as(moderator)
    with django_assert_max_num_queries(12):
        page = client.get("/recordings/")
    assert page.status_code == 200 and page.content.count(b'data-state="completed"') == 5
    filtered = client.get(
        "/recordings/", {"state": "failed", "room": "Side"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert f"#{failed.pk}".encode() in filtered.content
    assert b"<html" not in filtered.content and b'data-state="completed"' not in filtered.content


def test_list_filters_by_the_days_of_the_planned_start_in_full(
    client_as: Callable[[User | None], Client], moderator: User, room: Room, settings: Any
) -> None:
    settings.TIME_ZONE = "Asia/Singapore"  # +08: the days are the console's, not UTC's
    zone = timezone.get_fixed_timezone(8 * 60)
    starts = {
        "before": datetime(2026, 3, 28, 23, 59, 59, tzinfo=zone),
        "first": datetime(2026, 3, 29, 0, 0, tzinfo=zone),
        "last": datetime(2026, 3, 30, 23, 59, 59, tzinfo=zone),
        "after": datetime(2026, 3, 31, 0, 0, tzinfo=zone),
    }
    pks = {name: make_session(room, planned_start=start).pk for name, start in starts.items()}

    page = client_as(moderator).get("/recordings/", {"since": "2026-03-29", "until": "2026-03-30"})

    listed = {session.pk for session in page.context["page"].object_list}
    assert listed == {pks["first"], pks["last"]}


def test_session_page_shows_steps_timeline_calls_and_files(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    now = timezone.now()
    session = make_session(
        room,
        state=S.FAILED,
        concurrency_applied_at=now,
        failed_step=Step.CLOUD_SESSION,
        failure_reason="Cloud session created failed: InvalidParameter: bad parameters",
    )
    ApiCall.objects.create(service="car", action="ApplyConcurrent", outcome="ok", session_id=session.pk)
    page = client_as(operator).get(f"/recordings/{session.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Failed at “Cloud session created”" in text and "bad parameters" in text
    assert "ApplyConcurrent" in text and "No files yet" in text
    assert "Created (manual)." in text  # the timeline
    assert "Stop recording" not in text  # a finished session has no stop button
    assert "Cloud session destroyed" not in text  # no stop steps before a stop


def test_session_page_shows_stop_steps_once_stopping(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    now = timezone.now()
    session = make_session(room, state=S.STOPPING, stop_requested_at=now, record_stopped_at=now)
    text = client_as(operator).get(f"/recordings/{session.pk}/").content.decode()
    assert "Record task stopped" in text and "Cloud session destroyed" in text
    assert text.count("in progress") == 1  # the push stop is the step running now


def test_operator_starts_from_the_room_and_is_sent_to_the_session(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    assert client.get(f"/rooms/{room.pk}/record/").status_code == 200
    confirmed = {"duration_minutes": 45, "estimated_minutes": 45}
    response = client.post(f"/rooms/{room.pk}/record/", confirmed)
    session = RecordingSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/recordings/{session.pk}/"
    assert session.trigger == Trigger.MANUAL and session.started_by == operator
    again = client.post(f"/rooms/{room.pk}/record/", confirmed)
    assert "already being recorded" in again.content.decode()
    too_long = client.post(f"/rooms/{RoomFactory.create().pk}/record/", {"duration_minutes": 100000})
    assert too_long.status_code == 200 and RecordingSession.objects.count() == 1


@pytest.mark.parametrize("role", ["moderator", "manager"])
def test_only_operators_start_and_stop(
    client_as: Callable[[User | None], Client], role_user: Callable[[str], User | None], room: Room, role: str
) -> None:
    client = client_as(role_user(role))
    session = make_session(room)
    assert client.post(f"/rooms/{room.pk}/record/", {"duration_minutes": 10}).status_code == 403
    assert client.post(f"/recordings/{session.pk}/stop/").status_code == 403
    assert client.get(f"/recordings/{session.pk}/").status_code == 200
    session.refresh_from_db()
    assert session.state == S.SCHEDULED and RecordingSession.objects.count() == 1


def test_stop_button_cancels_a_session_not_yet_started(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    session = make_session(room)
    response = client_as(operator).post(f"/recordings/{session.pk}/stop/")
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == S.CANCELLED


def test_overview_shows_counts_and_attention_which_operators_dismiss(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    session = make_session(room, state=S.RECORDING)
    item = Attention.objects.create(
        kind=AttentionKind.LEAKED_SESSION,
        session=session,
        subject="x-r1",
        message="Leaked cloud session found.",
        action_taken="DestroySession",
        at=timezone.now(),
    )
    client = client_as(operator)
    text = client.get("/").content.decode()
    assert "Needs attention" in text and "Leaked cloud session found." in text
    assert 'data-state="recording"' in text
    assert client.post(f"/attention/{item.pk}/resolve/").status_code == 302
    assert "Leaked cloud session found." not in client.get("/").content.decode()


def test_room_page_has_start_and_then_stop(
    client_as: Callable[[User | None], Client], operator: User, moderator: User, room: Room
) -> None:
    client = client_as(operator)
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    assert "Record now…" in page and f"/rooms/{room.pk}/record/" in page
    assert "Record now…" not in client_as(moderator).get(f"/rooms/{room.pk}/").content.decode()
    session = make_session(room, state=S.RECORDING)
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    assert f"/recordings/{session.pk}/stop/" in page and "Record now…" not in page


def test_start_page_shows_the_estimate_and_updates_it(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    page = client.get(f"/rooms/{room.pk}/record/").content.decode()
    assert "Estimate for 60 minutes" in page and "USD" in page
    partial = client.get(f"/rooms/{room.pk}/record/estimate/", {"duration_minutes": "30"}).content.decode()
    assert "Estimate for 30 minutes" in partial and "<html" not in partial


def test_start_page_estimates_a_cpu_spec_app_at_the_s_price(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    # CPU specs have no list price; the estimate prices them as S (as the cost report does) instead of failing.
    ClientApp.objects.filter(pk=room.client_app_id).update(concurrency_spec="CPU4")
    response = client_as(operator).get(f"/rooms/{room.pk}/record/")
    assert response.status_code == 200
    assert response.context["estimate"].recording.recording.spec == "S"


def test_a_used_up_budget_that_says_so_blocks_manual_starts_only(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    from billing.models import Budget
    from recordings.sessions.services.sessions import session_start_now

    Budget.objects.create(app=room.client_app, month=None, amount_usd="0.01", block_manual_starts=True)
    earlier = timezone.now() - timedelta(minutes=20)
    make_session(
        room, state=S.COMPLETED, concurrency_applied_at=earlier, ended_at=earlier + timedelta(minutes=15)
    )
    confirmed = {"duration_minutes": 30, "estimated_minutes": 30}
    response = client_as(operator).post(f"/rooms/{room.pk}/record/", confirmed)
    assert response.status_code == 200 and "blocks manual starts" in response.content.decode()
    assert RecordingSession.objects.count() == 1
    _, created = session_start_now(room=room, actor=None, trigger=Trigger.API)
    assert created  # the budget only stops people pressing the button


def test_double_submitted_start_form_makes_one_recording(
    client_as: Callable[[User | None], Client], operator: User, room: Room
) -> None:
    client = client_as(operator)
    page = client.get(f"/rooms/{room.pk}/record/").content.decode()
    assert 'type="hidden" name="idempotency_key"' in page
    form = {"duration_minutes": 20, "estimated_minutes": 20, "idempotency_key": "form-1234"}
    first, second = (
        client.post(f"/rooms/{room.pk}/record/", form),
        client.post(f"/rooms/{room.pk}/record/", form),
    )
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert RecordingSession.objects.count() == 1
