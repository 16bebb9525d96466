"""The callback log reads what its page shows: no event bodies for the list, and the check that hides the events of
files a rejection hid (for users who do not see reviews) is a filter on the rows the page walks, not a pass over
every recording-file event's payload (CssCallbackEventQuerySet.listing / visible_to)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recordings.models import CallbackEventType, CssCallbackEvent, Decision, RecordingFile
from recordings.review.services import review
from recordings.review.services.review import VerdictInput
from recordings.review.tests.support import make_file, make_room, make_session

pytestmark = pytest.mark.django_db

SELECT_LIST = re.compile(r"SELECT (.*?) FROM ", re.DOTALL)
BODY_COLUMNS = ('"recordings_csscallbackevent"."payload"', '"recordings_csscallbackevent"."raw_body"')


def selected_bodies(sql: str) -> list[str]:
    """The event body columns in the statement's SELECT lists (the hidden check's key lookups in WHERE read a
    few keys of the rows walked, and are not fetched)."""
    return [column for listed in SELECT_LIST.findall(sql) for column in BODY_COLUMNS if column in listed]


def reject(file: RecordingFile, moderator: Any, *, hide: bool) -> None:
    review.review_verdict(
        file_pk=file.pk,
        verdict=VerdictInput(decision=Decision.REJECT, reason_code="privacy", hide_from_outputs=hide),
        actor=moderator,
    )


def event(
    name: str, payload: dict[str, Any], event_type: int | None = CallbackEventType.RECORDING_FILE
) -> int:
    body = {"event_type": event_type, "stream_id": "stage", **payload}
    return CssCallbackEvent.objects.create(
        event_type=event_type,
        stream_name="stage",
        dedupe_key=f"log-{name}",
        raw_body=json.dumps(body),
        payload=body,
    ).pk


@pytest.fixture
def events(moderator: Any) -> dict[str, dict[str, int]]:
    """Events an operator sees ("shown") and those a rejection hides from them ("hidden"), by name."""
    session = make_session(make_room(stream_name="stage"), start=timezone.now())
    kept = make_file(session=session, url="https://vod.example.com/kept.mp4")
    hidden = make_file(session=session, url="https://vod.example.com/hidden.mp4")
    hidden_cos = make_file(
        session=session, cos_key="record/hidden.mp4", url="https://cos.example.com/hidden.mp4"
    )
    rejected_shown = make_file(session=session, url="https://vod.example.com/rejected-kept.mp4")
    reject(hidden, moderator, hide=True)
    reject(hidden_cos, moderator, hide=True)
    reject(rejected_shown, moderator, hide=False)
    return {
        "hidden": {
            "by FileId": event("vod", {"file_id": hidden.file_id, "video_url": hidden.url}),
            "by record_file_id": event("record", {"record_file_id": hidden.file_id}),
            "by URL (COS)": event("cos", {"video_url": hidden_cos.url}),
            "by URL, FileId of a kept file": event(
                "mixed", {"file_id": kept.file_id, "video_url": hidden.url}
            ),
        },
        "shown": {
            "kept file": event("kept", {"file_id": kept.file_id, "video_url": kept.url}),
            "rejected, not hidden": event("rejected", {"file_id": rejected_shown.file_id}),
            # A JSON null or absent key matches nothing (and must not drop the row through a NULL comparison).
            "null FileId": event("null", {"file_id": None, "video_url": kept.url}),
            "no keys": event("bare", {}),
            # Only recording-file events are checked, as before.
            "push event naming a hidden FileId": event(
                "push", {"file_id": hidden.file_id, "sequence": "1"}, CallbackEventType.PUSH_STARTED
            ),
            "no type, hidden FileId": event("typeless", {"file_id": hidden.file_id}, None),
        },
    }


def listed(client: Any) -> tuple[set[int], int]:
    response = client.get(reverse("recordings:callback_event_list"))
    assert response.status_code == 200
    page = response.context["page"]
    return {row.pk for row in page.object_list}, page.paginator.count


def test_hidden_events_stay_hidden_from_operators_and_shown_to_those_who_see_reviews(
    events: dict[str, dict[str, int]], client_as: Any, operator: Any, moderator: Any, manager: Any
) -> None:
    shown, hidden = set(events["shown"].values()), set(events["hidden"].values())
    assert set(CssCallbackEvent.objects.visible_to(operator).values_list("pk", flat=True)) == shown
    for user in (moderator, manager):
        assert set(CssCallbackEvent.objects.visible_to(user).values_list("pk", flat=True)) == shown | hidden

    # The page and its count agree with the rule (moderators see reviews but not the log: managers do both).
    assert listed(client_as(operator)) == (shown, len(shown))
    assert listed(client_as(manager)) == (shown | hidden, len(shown | hidden))
    for name, pk in events["hidden"].items():
        detail = reverse("recordings:callback_event_detail", args=[pk])
        assert client_as(operator).get(detail).status_code == 404, name
        assert client_as(manager).get(detail).status_code == 200, name
    for name, pk in events["shown"].items():
        detail = reverse("recordings:callback_event_detail", args=[pk])
        assert client_as(operator).get(detail).status_code == 200, name


def test_the_list_reads_no_event_bodies(
    events: dict[str, dict[str, int]], client_as: Any, operator: Any, manager: Any
) -> None:
    for user in (operator, manager):
        with CaptureQueriesContext(connection) as captured:
            response = client_as(user).get(reverse("recordings:callback_event_list"))
        assert response.status_code == 200
        rows = list(response.context["page"].object_list)
        assert rows and all({"payload", "raw_body"} <= row.get_deferred_fields() for row in rows)
        of_events = [q["sql"] for q in captured.captured_queries if "recordings_csscallbackevent" in q["sql"]]
        assert len(of_events) == 2  # the capped count and the page, no deferred body loaded row by row
        assert [selected_bodies(sql) for sql in of_events] == [[], []]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_the_hidden_check_reads_the_events_table_once(
    events: dict[str, dict[str, int]], operator: Any
) -> None:
    """The events table is read once, by the page's own scan: the hidden files' keys are the subplans. The
    former `id NOT IN (events reporting a hidden file)` read it twice, the second time every file event."""
    page = CssCallbackEvent.objects.listing().visible_to(operator)
    with CaptureQueriesContext(connection) as captured:
        page[:51].count()  # the capped count, as the log's paginator asks it
    count_sql = captured.captured_queries[0]["sql"]
    page_sql, params = page[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan"):  # the plan of a big table, not of a few rows
            cursor.execute(f"SET LOCAL {setting} = off")
        for sql, args in ((page_sql, params), (count_sql, ())):
            cursor.execute(f"EXPLAIN {sql}", args)
            explained = "\n".join(row[0] for row in cursor.fetchall())
            assert len(re.findall(r" on recordings_csscallbackevent\b", explained)) == 1, explained
            assert "recfile_rejected_keys_idx" in explained
