import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_openapi_document_is_served_and_valid_shape(client_as, operator):
    doc = client_as(operator).get(reverse("openapi_json")).json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["paths"]
    for path, operations in doc["paths"].items():
        assert path.startswith("/api/v1/")
        for op in operations.values():
            assert op["responses"]


def test_api_docs_page_lists_operations(client_as, operator):
    response = client_as(operator).get(reverse("api_docs"))
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_errors_are_json(rf, operator, request):
    from dashboard.access import Capability
    from dashboard.api import OPERATIONS, ApiError, api_operation, by_method, json_response
    from dashboard.services import api_token_create

    # Keep /probe out of the OpenAPI document the other tests check.
    request.addfinalizer(
        lambda: OPERATIONS.__setitem__(slice(None), [o for o in OPERATIONS if o.path != "/probe"])
    )

    @api_operation(
        path="/probe", method="POST", capability=Capability.MANAGE_CATALOG, summary="probe", tag="test"
    )
    def probe(request, body):
        if "fail" in body:
            raise ApiError(400, "bad", fields={"fail": ["no"]})
        return json_response({"ok": True, "user": request.user.username})

    view = by_method(POST=probe)
    secret = api_token_create(user=operator, name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    assert view(rf.post("/", "{}", content_type="application/json")).status_code == 401
    assert view(rf.post("/", "{", content_type="application/json", **auth)).status_code == 400
    bad = view(rf.post("/", json.dumps({"fail": 1}), content_type="application/json", **auth))
    assert json.loads(bad.content)["error"]["fields"] == {"fail": ["no"]}
    ok = view(rf.post("/", "{}", content_type="application/json", **auth))
    assert json.loads(ok.content) == {"ok": True, "user": operator.username}
    assert view(rf.get("/", **auth)).status_code == 405
