"""Checking an API request against the schemas its operation declares, with `jsonschema` (JSON Schema 2020-12,
the dialect of OpenAPI 3.1).

The declared schemas are the contract: what they refuse never reaches the view. Each failure becomes a message
keyed by the field it concerns, in the API's error shape (`fields`): `name`, `recordings[0].start`, … A list of
plain values (tags, formats, events names) is reported on the list itself, a list of objects on the item.
Query parameters arrive as text: a declared integer or boolean is read first (ASCII digits; true/false), then
checked like a body field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from dashboard.params import ascii_int, parse_moment

# Django's own words for the same refusal in a form (and its translation). Messages are translated when the
# response is built, in the language of the request (its Accept-Language, since API requests have no session).
NUL_MESSAGE = _("Null characters are not allowed.")
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes"}, {"0", "false", "no"}
# jsonschema's own messages are English only: each validation kind maps to a whole translatable sentence.
TYPE_MESSAGES = {
    "string": _("Enter a string."),
    "integer": _("Enter a whole number."),
    "number": _("Enter a number."),
    "boolean": _("Enter true or false."),
    "array": _("Enter a list."),
    "object": _("Enter an object."),
    "null": _("Enter null."),
}
# A value that may be one of two types (most often "… or null"): the words of each type, for one sentence.
TYPE_WORDS = {
    "string": _("a string"),
    "integer": _("a whole number"),
    "number": _("a number"),
    "boolean": _("true or false"),
    "array": _("a list"),
    "object": _("an object"),
    "null": _("null"),
}
# Only the formats whose meaning the console relies on are checked; `uri` and the like are the views' (which
# also refuse private addresses, …). A date-time is what dashboard/params.py reads: ISO 8601 in the range the
# console can store, without an offset in the console's time zone; as it always has, a bare date passes (its
# midnight) and the views that want a time of day say so themselves.
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_moment(value: object) -> bool:
    return not isinstance(value, str) or parse_moment(value) is not None  # a non-string is `type`'s to refuse


def compile_schema(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for `schema`; a schema that is not valid JSON Schema fails here, at import time."""
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FORMATS)


def body_errors(validator: Draft202012Validator, body: Any) -> dict[str, list[str]]:
    """The messages of each field of `body` that the schema refuses (empty when it is valid)."""
    return _collect(validator.iter_errors(body))


def null_character_errors(data: Any) -> dict[str, list[str]]:
    """Each string (or key) holding a NUL character, which no PostgreSQL text or jsonb value can store."""
    fields: dict[str, list[str]] = {}
    stack: list[tuple[list[str | int], Any]] = [([], data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if "\x00" in key:
                    fields[_key([*path, key.replace("\x00", "")])] = [str(NUL_MESSAGE)]
                else:
                    stack.append(([*path, key], child))
        elif isinstance(value, list):
            stack.extend(([*path, index], child) for index, child in enumerate(value))
        elif isinstance(value, str) and "\x00" in value:
            fields[_key(path)] = [str(NUL_MESSAGE)]
    return dict(sorted(fields.items()))


def query_errors(
    params: Mapping[str, Any], validators: Mapping[str, Draft202012Validator]
) -> dict[str, list[str]]:
    """The messages of each declared query parameter that is present but refused by its schema."""
    # Only declared parameters: the views read no other (and the document promises a 400 for no other).
    declared = {
        name: getattr(params, "getlist", lambda n: [params[n]])(name) for name in validators if name in params
    }
    fields = {key.partition("[")[0]: texts for key, texts in null_character_errors(declared).items()}
    for name, validator in validators.items():
        if name in fields:
            continue
        raw = params.get(name)
        if raw in (None, ""):
            continue
        value = _read_query_value(raw, validator.schema)
        if value is _UNREADABLE:
            fields[name] = [_query_message(validator.schema, raw, None)]
            continue
        error = next(iter(validator.iter_errors(value)), None)
        if error is not None:
            fields[name] = [_query_message(validator.schema, raw, error)]
    return fields


_UNREADABLE = object()


def _read_query_value(raw: str, schema: dict[str, Any]) -> Any:
    types = _types(schema)
    if "integer" in types:
        value = ascii_int(raw)
        return _UNREADABLE if value is None else value
    if "boolean" in types:
        word = raw.lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else _UNREADABLE
    return raw


def _query_message(schema: Any, raw: str, error: ValidationError | None) -> str:
    types = _types(schema)
    if "integer" in types:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return gettext("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        if low is not None:
            return gettext("A whole number of at least %(low)s.") % {"low": low}
        return gettext("A whole number.")
    if "boolean" in types:
        return gettext("Use true or false.")
    if "enum" in schema:
        return _choice_message(raw)
    return _message(error) if error is not None else gettext("Enter a valid value.")


def _types(schema: Any) -> list[str]:
    declared = schema.get("type", [])
    return declared if isinstance(declared, list) else [declared]


def _collect(errors: Iterable[ValidationError]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        for key, message in _keyed_messages(error):
            messages = fields.setdefault(key, [])
            if message not in messages:
                messages.append(message)
    return dict(sorted(fields.items()))


def _keyed_messages(error: ValidationError) -> list[tuple[str, str]]:
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        return [(_key([*path, name]), gettext("This field is required.")) for name in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        return [
            (_key([*path, name]), gettext("Unknown field.")) for name in sorted(set(error.instance) - known)
        ]
    if path and isinstance(path[-1], int) and not _is_object_schema(error.schema):
        path = path[:-1]  # a list of plain values: the list is the field
    return [(_key(path), _message(error))]


def _is_object_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema)


def _key(path: list[str | int]) -> str:
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "__all__"


def _choice_message(value: object) -> str:
    return gettext("Select a valid choice. %(value)s is not one of the available choices.") % {"value": value}


def _type_message(expected: object) -> str:
    wanted = [str(t) for t in (expected if isinstance(expected, list) else [expected])]
    if len(wanted) == 1 and wanted[0] in TYPE_MESSAGES:
        return str(TYPE_MESSAGES[wanted[0]])
    words = [str(TYPE_WORDS.get(t, t)) for t in wanted]
    if len(words) == 2:
        return gettext("Enter %(first)s or %(second)s.") % {"first": words[0], "second": words[1]}
    return gettext("Enter one of: %(types)s.") % {"types": ", ".join(words)}


def _message(error: ValidationError) -> str:
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "type":
        return _type_message(expected)
    if keyword in {"enum", "const"}:
        return _choice_message(value)
    counted = {"expected": expected, "count": len(value) if isinstance(value, str | list | dict) else 0}
    if keyword == "maxLength":
        return gettext("At most %(expected)s characters (this has %(count)s).") % counted
    if keyword == "minLength":
        return gettext("At least %(expected)s characters (this has %(count)s).") % counted
    if keyword == "maxItems":
        return gettext("At most %(expected)s items (this has %(count)s).") % counted
    if keyword == "minItems":
        return gettext("At least %(expected)s items (this has %(count)s).") % counted
    bounds = {
        "minimum": _("Ensure this value is greater than or equal to %(expected)s."),
        "maximum": _("Ensure this value is less than or equal to %(expected)s."),
        "exclusiveMinimum": _("Ensure this value is greater than %(expected)s."),
        "exclusiveMaximum": _("Ensure this value is less than %(expected)s."),
        "pattern": _("Enter a valid value (matching %(expected)s)."),
    }
    if keyword in bounds:
        return str(bounds[keyword]) % {"expected": expected}
    if keyword == "uniqueItems":
        return gettext("The items must differ.")
    if keyword == "format" and expected == "date-time":
        return gettext("An ISO 8601 date-time.")
    if keyword in {"oneOf", "anyOf"}:
        # A schema's description is the API contract's (English) text; only the fallback is translated.
        return str(error.schema.get("description") or gettext("Enter a valid value."))
    return gettext("Enter a valid value.")
