"""The OpenAPI 3.1 document of the business-backend API, built from the operations `api_operation` registered.

Served as JSON at /api/v1/openapi.json and rendered by Swagger UI at /api/docs/. Besides what each operation
declares (schemas, examples, its own error answers), every operation gets the answers the toolkit itself gives:
401 without a valid token, 403 when the token's role may not, 400 for a bad JSON body or query parameter, and
404 for an unknown object in its path.
"""

from __future__ import annotations

from typing import Any

from django.urls import get_resolver

from dashboard.api import (
    BAD_BODY_CODE,
    BAD_QUERY_CODE,
    OPERATIONS,
    STATUS_CODES,
    UNAUTHORIZED_MESSAGE,
    ErrorDoc,
    Operation,
    forbidden_message,
    status_code,
)

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error answer has this shape; nothing was changed by a request that got one.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {
                    "type": "string",
                    "description": "What went wrong, for programs: never translated. The status's code "
                    f"({', '.join(sorted(set(STATUS_CODES.values())))}), or `{BAD_BODY_CODE}` / "
                    f"`{BAD_QUERY_CODE}` for a 400 about the body or a query parameter.",
                },
                "message": {
                    "type": "string",
                    "description": "What went wrong, in words, in the language of the request's "
                    "`Accept-Language` (English or Simplified Chinese, `zh-CN`); English by default.",
                },
                "fields": {
                    "type": "object",
                    "description": "Only for 400: the messages of each invalid body field or query parameter.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["status", "code", "message"],
        }
    },
    "required": ["error"],
}
PATH_PARAMS: dict[str, dict[str, Any]] = {
    "room_key": {
        "description": "The room's key (the business backend's id of the room).",
        "schema": {"type": "string"},
        "example": "live-1002",
    },
    "id": {"description": "The object's numeric id.", "schema": {"type": "integer"}, "example": 42},
}
NOT_FOUND_BY_PARAM = {
    "room_key": ErrorDoc("No room has this key.", "No room has the key “live-9999”."),
    "id": ErrorDoc("No object has this id.", "No object has the id 42."),
}
BAD_BODY = ErrorDoc(
    "The body is not a JSON object, or some fields are invalid (see `fields`).",
    "The request body is invalid.",
    {"name": ["This field is required."]},
    BAD_BODY_CODE,
)
NOT_AN_OBJECT = ErrorDoc(
    "The body (optional) is not a JSON object.", "The body must be a JSON object.", code=BAD_BODY_CODE
)
BAD_QUERY = ErrorDoc(
    "A query parameter is invalid (see `fields`).",
    "Invalid query parameter.",
    {"limit": ["A whole number from 0 to 200."]},
    BAD_QUERY_CODE,
)
DESCRIPTION = """\
The business-backend API of CNR Console: rooms, recordings, recording files, interaction markers and cost
estimates. Every call of a business backend appears in the console's audit log under the token's user.

**Authentication.** Send an API token in the `Authorization` header: `Authorization: Bearer <token>`. Create
tokens under *API tokens* in the console (the secret is shown once) or with
`python manage.py create_api_token USERNAME`. A token acts with its user's role: an operator may start and stop
recordings, a manager may also change rooms and estimate costs, a moderator may read.

**Errors.** Every error is JSON of one shape, `{"error": {"status", "code", "message", "fields"?}}`, and a
request that gets one changed nothing. `code` is for programs and always English; `message` and the texts of
`fields` (the messages of each invalid field, 400 only) are for people and follow the request's `Accept-Language`
(`zh-CN` answers in Simplified Chinese). A method a URL does not serve answers 405 with an `Allow` header.

**Retries.** Starting a recording with an `idempotency_key`, and posting interaction events with an `id`, are
safe to retry: a repeat answers with the first result instead of doing it twice.
"""
TAGS = [
    {
        "name": "Rooms",
        "description": "The rooms the console records, keyed by the business backend's room key.",
    },
    {"name": "Recordings", "description": "Start, stop, read and list recordings; auto-record live events."},
    {"name": "Files", "description": "Recording files, with freshly signed URLs to play or download them."},
    {"name": "Interactions", "description": "Timed events shown as markers on the review timeline."},
    {"name": "Costs", "description": "What-if cost estimates, the same as the console's calculator."},
    {
        "name": "Webhooks",
        "description": "Endpoints the console posts signed events to, and their deliveries.",
    },
    {
        "name": "Retention",
        "description": "Retention policies of client apps and rooms, and legal holds on files.",
    },
]
# The OpenAPI `webhooks` section: the payloads the console sends, registered by the modules that send them.
WEBHOOK_PAYLOADS: dict[str, dict[str, Any]] = {}


def document_webhook(name: str, entry: dict[str, Any]) -> None:
    WEBHOOK_PAYLOADS[name] = entry


def error_example(status: int, doc: ErrorDoc) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": status,
        "code": doc.code or status_code(status),
        "message": str(doc.message),
    }
    if doc.fields:
        body["fields"] = doc.fields
    return {"error": body}


def error_answer(status: int, doc: ErrorDoc) -> dict[str, Any]:
    return {
        "description": doc.when,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": error_example(status, doc),
            }
        },
    }


def error_docs(op: Operation) -> dict[int, ErrorDoc]:
    """The errors `op` can answer: the toolkit's own (by what the operation reads) and its declared ones."""
    docs: dict[int, ErrorDoc] = {}
    if op.reads_body:
        docs[400] = BAD_BODY if op.request_schema is not None else NOT_AN_OBJECT
    elif op.query:
        docs[400] = BAD_QUERY
    docs[401] = ErrorDoc("The token is missing, unknown or revoked.", UNAUTHORIZED_MESSAGE)
    docs[403] = ErrorDoc("The token's role may not do this.", forbidden_message(op.capability))
    if op.path_params:
        docs[404] = NOT_FOUND_BY_PARAM[op.path_params[0]]
    docs.update(op.errors)
    return dict(sorted(docs.items()))


def parameters(op: Operation) -> list[dict[str, Any]]:
    found = [{"name": name, "in": "path", "required": True, **PATH_PARAMS[name]} for name in op.path_params]
    for name, param in op.query.items():
        entry: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": False,
            "description": param.description,
            "schema": param.schema,
        }
        if param.example is not None:
            entry["example"] = param.example
        found.append(entry)
    return found


def operation_entry(op: Operation) -> dict[str, Any]:
    success_body = {
        "application/json": {
            "schema": op.response_schema or {"type": "object"},
            "example": op.response_example,
        }
    }
    responses: dict[str, Any] = {str(op.success_status): {"description": "Success.", "content": success_body}}
    for status, text in op.other_success.items():
        responses[str(status)] = {"description": text, "content": success_body}
    for status, doc in error_docs(op).items():
        responses[str(status)] = error_answer(status, doc)
    responses["401"]["headers"] = {
        "WWW-Authenticate": {"description": "Always `Bearer`.", "schema": {"type": "string"}}
    }
    role = f"Requires a token whose role may: {op.capability.label.lower()}."
    entry: dict[str, Any] = {
        "operationId": op.view.__name__ if op.view else f"{op.method.lower()}_{op.path}",
        "summary": op.summary,
        "description": f"{op.description}\n\n{role}" if op.description else role,
        "tags": [op.tag],
        "parameters": parameters(op),
        "responses": responses,
    }
    if op.request_schema is not None:
        required = bool(op.request_schema.get("required"))
        entry["requestBody"] = {
            "required": required,
            "content": {"application/json": {"schema": op.request_schema, "example": op.request_example}},
        }
    return entry


def openapi_document() -> dict[str, Any]:
    get_resolver().url_patterns  # noqa: B018  # the API modules register their operations as the URLconf imports them
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        paths.setdefault("/api/v1" + op.path, {})[op.method.lower()] = operation_entry(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "CNR Console API", "version": "1.0.0", "description": DESCRIPTION},
        "tags": TAGS,
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "webhooks": dict(sorted(WEBHOOK_PAYLOADS.items())),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token of the console, sent as `Authorization: Bearer <token>`.",
                }
            },
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }
