"""A file of a live recording arrives every segment: the hook counts the session's present files in one statement
(duplicates and deleted files not counted), reads the session only when a finalizing one may complete, and a
finalizing recording still completes on its first file."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from recordings.models import RecordingSession
from recordings.review.tests.support import make_file, make_room, make_session
from recordings.sessions.lifecycle import SessionState
from recordings.sessions.services.sessions import session_file_arrived

pytestmark = pytest.mark.django_db


def test_a_live_recordings_file_is_counted_in_one_statement(django_assert_num_queries: Any) -> None:
    session = make_session(make_room(), start=timezone.now())
    RecordingSession.objects.filter(pk=session.pk).update(state=SessionState.RECORDING)
    make_file(session=session)
    make_file(session=session)
    make_file(session=session, deleted_at=timezone.now())

    with django_assert_num_queries(2):  # the count-and-store, the look for a finalizing session
        session_file_arrived(session_id=session.pk)
    session_file_arrived(session_id=session.pk)  # a duplicate callback
    session.refresh_from_db()
    assert session.files_found == 2 and session.state == SessionState.RECORDING


def test_the_first_file_completes_a_finalizing_recording() -> None:
    session = make_session(make_room(), start=timezone.now())
    RecordingSession.objects.filter(pk=session.pk).update(state=SessionState.FINALIZING)

    session_file_arrived(session_id=session.pk)  # the sync found it before its row was linked: counted as one
    session.refresh_from_db()
    assert session.state == SessionState.COMPLETED and session.files_found == 1
