"""The API reference: the OpenAPI document covers every /api/v1/ route and method, every operation documents its
answers with schemas and examples (which match their schemas), every 409 the code can answer is documented, and
the reference (Swagger UI page and JSON) is behind login and linked for users who hold API tokens."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dashboard.api import OPERATIONS
from dashboard.openapi import openapi_document
from recordings.catalog.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db

TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def violations(schema: dict[str, Any], value: Any, doc: dict[str, Any], where: str = "$") -> list[str]:
    """The JSON Schema keywords the document uses, checked (no validator package is installed)."""
    if "$ref" in schema:
        return violations(resolve(doc, schema["$ref"]), value, doc, where)
    found: list[str] = []
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not violations(s, value, doc, where)]
        if len(matching) != 1:
            found.append(f"{where}: matches {len(matching)} of oneOf")
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        if not any(TYPES[t](value) for t in types):
            return [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r} != {schema['const']!r}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{where}: misses {key}" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            if key in properties:
                found += violations(properties[key], item, doc, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{where}: unknown {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += violations(schema["additionalProperties"], item, doc, f"{where}.{key}")
            elif properties:
                found.append(f"{where}: {key} is not documented")
    if isinstance(value, list):
        if "items" in schema:
            for index, item in enumerate(value):
                found += violations(schema["items"], item, doc, f"{where}[{index}]")
        if len(value) > schema.get("maxItems", len(value)):
            found.append(f"{where}: more than maxItems")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) > schema.get("maxLength", len(value)):
            found.append(f"{where}: longer than maxLength")
    numeric = TYPES["number"](value)
    if numeric and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        found.append(f"{where}: {value} out of range")
    return found


def api_routes() -> dict[str, list[str]]:
    """Every /api/v1/ URL the console serves (`{}` for each URL parameter) and the methods its view answers."""
    routes: dict[str, list[str]] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif (
                isinstance(pattern, URLPattern)
                and route.startswith("api/v1/")
                and route != "api/v1/openapi.json"
            ):
                methods: list[str] = getattr(pattern.callback, "api_methods")  # noqa: B009  # set by by_method
                routes[re.sub(r"<[^>]+>", "{}", "/" + route)] = methods

    walk(get_resolver().url_patterns, "")
    return routes


@pytest.fixture
def doc() -> dict[str, Any]:
    return openapi_document()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def test_every_api_route_and_method_is_documented_and_nothing_else(doc):
    documented: dict[str, list[str]] = {}
    for path, method, _op in operations(doc):
        documented.setdefault(re.sub(r"\{[^}]+\}", "{}", path), []).append(method.upper())
    routes = api_routes()
    assert len(routes) >= 12
    assert {path: sorted(methods) for path, methods in documented.items()} == routes


def test_every_operation_has_parameters_bodies_and_answers_with_schemas_and_examples(doc):
    ids = [op["operationId"] for _path, _method, op in operations(doc)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        assert op["summary"] and op["tags"] and op["description"], where
        declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), where
        for param in op["parameters"]:
            assert param["schema"] and param.get("description"), (where, param)
            if "example" in param:
                assert not violations(param["schema"], param["example"], doc), (where, param)
        bodies = [(f"{where} → {status}", answer) for status, answer in op["responses"].items()]
        if method in {"post", "patch", "put"}:
            assert "400" in op["responses"], where
        if "requestBody" in op:
            bodies.append((f"{where} request", op["requestBody"]))
        assert {"401", "403"} <= set(op["responses"]), where
        assert any(status.startswith("2") for status in op["responses"]), where
        for label, body in bodies:
            content = body["content"]["application/json"]
            assert content["schema"] and content["example"] is not None, label
            assert not violations(content["schema"], content["example"], doc), (label, content["example"])
            if label.endswith(("4xx", "→ 400", "→ 401", "→ 403", "→ 404", "→ 409")):
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, label


def test_every_operation_tag_is_a_declared_tag(doc):
    """Swagger UI groups operations by tag; a tag missing from the list is drawn without its description."""
    declared = {tag["name"] for tag in doc["tags"]}
    used = {tag for methods in doc["paths"].values() for op in methods.values() for tag in op["tags"]}
    assert used <= declared, used - declared


def test_error_shape_and_token_security_scheme_are_documented(doc):
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert doc["security"] == [{"bearerAuth": []}]
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["status", "code", "message"]
    # The toolkit's own answers are documented with its exact words.
    unauthorized = doc["paths"]["/api/v1/rooms"]["get"]["responses"]["401"]["content"]["application/json"]
    assert unauthorized["example"]["error"]["message"].startswith("Send a valid API token")


def test_every_409_the_code_can_answer_is_documented(doc):
    """Statically: an API view that answers 409 itself or through a helper that does (`refused`) documents it."""
    sources = {op.view.__name__: inspect.getsource(op.view) for op in OPERATIONS if op.view is not None}
    modules = {inspect.getmodule(op.view) for op in OPERATIONS if op.view is not None}
    helpers = {
        name
        for module in modules
        if module is not None
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and "409" in inspect.getsource(function)
    }
    assert "refused" in helpers
    conflicting = {
        name
        for name, source in sources.items()
        if "409" in source or any(re.search(rf"\b{helper}\(", source) for helper in helpers)
    }
    assert conflicting >= {"recording_start", "room_event"}
    by_id = {op["operationId"]: op for _path, _method, op in operations(doc)}
    for name in conflicting:
        answer = by_id[name]["responses"].get("409")
        assert answer and answer["content"]["application/json"]["example"]["error"]["status"] == 409, name


def test_the_409_answers_the_api_gives_are_the_documented_ones(doc, operator, api_token):
    RoomFactory.create(room_key="lobby-1", auto_record=False)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}")

    def post(path: str, body: dict[str, Any]) -> Any:
        return api.post(path, json.dumps(body), content_type="application/json")

    assert post("/api/v1/rooms/lobby-1/recordings", {}).status_code == 201
    conflicts = {
        ("/api/v1/rooms/{room_key}/recordings", "post"): post("/api/v1/rooms/lobby-1/recordings", {}),
        ("/api/v1/rooms/{room_key}/events", "post"): post(
            "/api/v1/rooms/lobby-1/events", {"type": "live_started"}
        ),
    }
    for (path, method), response in conflicts.items():
        assert response.status_code == 409, response.content
        assert set(response.json()["error"]) == {"status", "code", "message"}
        assert response.json()["error"]["code"] == "conflict"
        assert "409" in doc["paths"][path][method]["responses"], path


def test_anonymous_users_are_sent_to_log_in_for_the_reference_and_its_json(client):
    for url in (reverse("api_docs"), reverse("openapi_json")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_logged_in_users_and_api_tokens_read_the_json(client_as, operator, api_token):
    assert client_as(operator).get(reverse("openapi_json")).json()["openapi"] == "3.1.0"
    with_token = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}").get(reverse("openapi_json"))
    assert with_token.status_code == 200 and with_token.json()["paths"]


def test_reference_page_loads_swagger_ui_from_static_files_without_inline_script(client_as, operator):
    page = client_as(operator).get(reverse("api_docs")).content.decode()
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in page and "vendor/swagger-ui/swagger-ui.css" in page
    assert "js/api_docs.js" in page and f'data-spec-url="{reverse("openapi_json")}"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script"
    assert "unpkg.com" not in page and "cdn" not in page.lower()
    # Without JavaScript the server-rendered list of operations stays.
    assert "/api/v1/rooms/{room_key}/recordings" in page


def test_sidebar_links_the_reference_for_users_holding_an_api_token(client_as, operator, api_token):
    def sidebar_links() -> str:
        page = client_as(operator).get(reverse("overview")).content.decode()
        return page[page.index('<nav aria-label="Main">') : page.index("</nav>")]

    assert reverse("api_docs") not in sidebar_links()
    api_token(operator)
    assert f'href="{reverse("api_docs")}"' in sidebar_links()
