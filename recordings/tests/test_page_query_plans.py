"""The list pages' slow queries at 100k recordings / 200k files (issue #15) are served by the indexes of
migrations 0009 and 0011: with sequential scans priced out, PostgreSQL's plan for each page's own query uses its
index — so a change of the query (another ORDER BY, another filter shape) that the index no longer fits fails
here instead of at scale. The data is tiny; the plans are what is checked."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recordings.media.forms import FileFilterForm
from recordings.models import CssCallbackEvent, RecordingFile
from recordings.review.forms import QueueFilterForm
from recordings.review.services.review import queue_files

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]


def price_out_scans_and_sorts(cursor: Any) -> None:
    """Sequential scans, bitmap scans and sorts made as dear as PostgreSQL allows: on a table of a few rows (and
    whatever statistics earlier tests left) the cheapest plan is otherwise any plan."""
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        cursor.execute(f"SET LOCAL {setting} = off")


def plan(queryset: object) -> str:
    """EXPLAIN of the queryset's SQL with scans of whole tables and sorts priced out."""
    sql, params = queryset.query.sql_with_params()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        price_out_scans_and_sorts(cursor)
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_largest_files_first_read_the_size_index(operator: object) -> None:
    form = FileFilterForm({"sort": "largest"})
    shown = form.filter(RecordingFile.objects.listing().visible_to(operator))[:25]  # type: ignore[arg-type]
    explained = plan(shown)
    assert (
        "recfile_size_idx" in explained and "Sort Key: recordings_recordingfile.size_bytes" not in explained
    )


def test_the_files_a_rejection_hides_are_read_from_the_hiding_verdicts_index(operator: object) -> None:
    assert "reviewverdict_hiding_idx" in plan(RecordingFile.objects.visible_to(operator))  # type: ignore[arg-type]


def test_the_callback_logs_hidden_check_reads_rejected_files_from_their_index(operator: object) -> None:
    explained = plan(CssCallbackEvent.objects.listing().visible_to(operator)[:50])  # type: ignore[arg-type]
    assert "Index Only Scan using recfile_rejected_keys_idx" in explained


def test_the_review_queue_by_room_tag_counts_from_the_pending_rooms_index(moderator: object) -> None:
    form = QueueFilterForm({"tag": "sports"})
    queue = form.filter(queue_files(), user=moderator, now=timezone.now())  # type: ignore[arg-type]
    with CaptureQueriesContext(connection) as counted:
        queue.count()  # the page's count, as paginate asks it
    (count_sql,) = [q["sql"] for q in counted.captured_queries]
    with connection.cursor() as cursor:
        price_out_scans_and_sorts(cursor)
        cursor.execute(f"EXPLAIN {count_sql}")
        explained = "\n".join(row[0] for row in cursor.fetchall())
    assert "recfile_pending_room_idx" in explained
