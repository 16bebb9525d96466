"""Property-based test of every API operation (schemathesis over the console's own OpenAPI document).

For each operation, generated requests (valid and invalid parameters and bodies) sent with a superuser's token
must never get a 5xx, and every answer must have a documented status, a documented content type and a body
matching its schema. Examples are limited so the whole module runs in well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dashboard.openapi import openapi_document

schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = get_wsgi_application()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_db_connection() -> Iterator[None]:
    """As Django's test client does: a request's end must not close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(keep_db_connection: None, django_db_setup: Any, django_db_blocker: Any) -> dict[str, str]:
    from django.contrib.auth.models import User

    from dashboard.services import api_token_create

    with django_db_blocker.unblock():
        user = User.objects.filter(username="fuzz-root").first() or User.objects.create_superuser(
            "fuzz-root", "fuzz@example.com", "pw"
        )
        return {"Authorization": f"Bearer {api_token_create(user=user, name='fuzz')[1]}"}


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_answers_by_its_schema(case: Any, bearer: dict[str, str]) -> None:
    case.call_and_validate(headers=bearer, checks=CHECKS)
