"""Request parameter checking as Tencent's API gateway does it, before an action runs.

Each action declares its parameters as `{name: (type, required)}`. Unknown names → `UnknownParameter`, a missing
required one → `MissingParameter`, a value of the wrong JSON type → `InvalidParameter`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.envelope import ApiError

STR, INT, FLOAT, BOOL, STR_LIST, INT_LIST, OBJECT, LIST = (
    "str",
    "int",
    "float",
    "bool",
    "list[str]",
    "list[int]",
    "object",
    "list",
)
Spec = dict[str, tuple[str, bool]]


def _matches(kind: str, value: Any) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == FLOAT:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == STR_LIST:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if kind == INT_LIST:
        return isinstance(value, list) and all(isinstance(item, int) for item in value)
    if kind == LIST:
        return isinstance(value, list)
    return isinstance(value, dict)


def check(params: dict[str, Any], spec: Spec) -> None:
    for name in params:
        if name not in spec:
            raise ApiError("UnknownParameter", f"The parameter `{name}` is not recognized.")
    for name, (kind, required) in spec.items():
        value = params.get(name)
        if value is None:
            if required:
                raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
            continue
        if not _matches(kind, value):
            raise ApiError("InvalidParameter", f"The value type of parameter `{name}` is not valid ({kind}).")
        if required and kind == STR and not value.strip():
            raise ApiError("InvalidParameterValue", f"The value of parameter `{name}` must not be empty.")


@dataclass(frozen=True)
class RequestContext:
    action: str
    region: str
    client_ip: str


Handler = Callable[[dict[str, Any], RequestContext], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    spec: Spec
    handler: Handler
    region_required: bool = False


def from_query(flat: dict[str, str], spec: Spec) -> dict[str, Any]:
    """Rebuild GET-style parameters (`Ids.0=a&Time.After=b`, all strings) into JSON values typed by `spec`."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        head, *rest = dotted.split(".")
        if not rest:
            nested[head] = value
            continue
        node = nested.setdefault(head, {})
        for part in rest[:-1]:
            node = node.setdefault(part, {})
        if isinstance(node, dict):
            node[rest[-1]] = value
    return {name: _coerce(value, spec.get(name, (STR, False))[0]) for name, value in nested.items()}


def _coerce(value: Any, kind: str) -> Any:
    if isinstance(value, dict) and value and all(key.isdigit() for key in value):
        items = [value[key] for key in sorted(value, key=int)]
        return [_coerce(item, INT if kind == INT_LIST else STR) for item in items]
    if not isinstance(value, str):
        return value
    try:
        if kind == INT:
            return int(value)
        if kind == FLOAT:
            return float(value)
    except ValueError:
        return value  # left as a string: the type check answers InvalidParameter
    if kind == BOOL:
        return value.lower() == "true"
    return value
