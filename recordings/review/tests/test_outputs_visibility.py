"""Rejected material hidden by its verdict disappears from the outputs browser and the files API for operators."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recordings.models import Decision
from recordings.review.services import review
from recordings.review.services.review import VerdictInput
from recordings.review.tests.support import make_file, make_room, make_session

pytestmark = pytest.mark.django_db


def test_hidden_rejection_is_gone_for_operators_but_not_for_moderators_and_managers(
    client_as: Any, api_token: Any, operator: Any, moderator: Any, manager: Any
) -> None:
    kept = make_file()
    hidden = make_file()
    review.review_verdict(
        file_pk=hidden.pk,
        verdict=VerdictInput(decision=Decision.REJECT, reason_code="privacy", hide_from_outputs=True),
        actor=moderator,
    )
    list_url = reverse("recordings:file_list")
    detail_url = reverse("recordings:file_detail", args=[hidden.pk])
    signed_url = reverse("recordings:file_signed_url", args=[hidden.pk])

    operator_client = client_as(operator)
    listing = operator_client.get(list_url).content.decode()
    assert reverse("recordings:file_detail", args=[kept.pk]) in listing and detail_url not in listing
    assert operator_client.get(detail_url).status_code == 404
    assert operator_client.get(signed_url).status_code == 404

    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(operator)}"}
    api_list = operator_client.get("/api/v1/files", **headers).json()
    assert [row["id"] for row in api_list["results"]] == [kept.pk]
    assert operator_client.get(f"/api/v1/files/{hidden.pk}", **headers).status_code == 404

    for user in (moderator, manager):
        client = client_as(user)
        assert detail_url in client.get(list_url).content.decode()
        assert client.get(detail_url).status_code == 200


def test_recording_api_lists_its_files_without_hidden_rejections(
    api_token: Any, operator: Any, moderator: Any
) -> None:
    session = make_session(make_room(), start=timezone.now())
    kept = make_file(session=session)
    hidden = make_file(session=session)
    review.review_verdict(
        file_pk=hidden.pk,
        verdict=VerdictInput(decision=Decision.REJECT, reason_code="privacy", hide_from_outputs=True),
        actor=moderator,
    )
    for user, expected in ((operator, [kept.pk]), (moderator, [kept.pk, hidden.pk])):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")
        body = client.get(f"/api/v1/recordings/{session.pk}").json()
        assert sorted(f["id"] for f in body["files"]) == sorted(expected)
        assert all(f["format"] for f in body["files"])
