"""`/_emulator/...`: inspect and steer a running emulator (loopback only, no auth).

- `GET /_emulator/state` → the whole state as JSON (plus faults and callback history);
- `POST /_emulator/faults` with `{"actions": {"ApplyConcurrent": {"error_code": "...", "rate": 0.5, "count": 3,
  "latency_s": 1, "throttle_per_s": 2}}, "push": {"die_after_s": 10}, "callbacks": {"drop_rate": 0.2, ...},
  "callback_url": "http://..."}` → merges into the current faults; `DELETE /_emulator/faults` clears them all;
- `POST /_emulator/reset` → stops every push and forgets all state (the CAR applications too);
- `GET|POST|DELETE /_emulator/car/applications` → CAR's console, emulated: the kind and page of each application
  (`webapps.py`; POST one entry or a list, added or replaced by project and application id);
- `GET /_emulator/apps/<name>/<file>` → the sample WEB client apps shipped with the emulator (`emulator/sample_apps/`);
- `POST /_emulator/channels/<room>`, `GET …?after=<seq>` → the sample live room's comments and gifts
  (`webchannel.py`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from emulator.callbacks import CallbackFaults
from emulator.faults import ActionFault
from emulator.replies import Reply, file_reply, json_reply, text
from emulator.webapps import ApplicationSpecError
from emulator.webchannel import ChannelError

if TYPE_CHECKING:
    from emulator.app import Emulator

SAMPLE_APPS = Path(__file__).resolve().parent / "sample_apps"
ACTION_FIELDS = {item.name for item in dataclasses.fields(ActionFault)}
CALLBACK_FIELDS = {item.name for item in dataclasses.fields(CallbackFaults)}


class FaultSpecError(ValueError):
    pass


def handle(emulator: Emulator, method: str, path: str, body: bytes, query: str = "") -> Reply:
    route = path.rstrip("/")
    if route.startswith("/_emulator/channels/"):
        return _channel(emulator, method, route.removeprefix("/_emulator/channels/"), body, query)
    if route == "/_emulator/state" and method == "GET":
        return json_reply(200, describe(emulator))
    if route == "/_emulator/faults":
        if method == "GET":
            return json_reply(200, emulator.faults.describe())
        if method == "DELETE":
            emulator.faults.clear()
            emulator.callbacks.set_faults(CallbackFaults())
            return json_reply(200, emulator.faults.describe())
        if method == "POST":
            try:
                apply_faults(emulator, json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:
                return json_reply(400, {"error": str(exc)})
            return json_reply(200, emulator.faults.describe())
    if route == "/_emulator/car/applications":
        return _applications(emulator, method, body)
    if path.startswith("/_emulator/apps/") and method in {"GET", "HEAD"}:
        return _sample_app(path.removeprefix("/_emulator/apps/"))
    if route == "/_emulator/reset" and method == "POST":
        emulator.reset()
        return json_reply(200, {"reset": True})
    return json_reply(404, {"error": f"no admin route {method} {path}"})


def _applications(emulator: Emulator, method: str, body: bytes) -> Reply:
    registry = emulator.car.applications
    if method == "GET":
        return json_reply(200, [app.to_dict() for app in registry.all()])
    if method == "DELETE":
        registry.clear()
        return json_reply(200, [])
    if method == "POST":
        try:
            apps = registry.register(json.loads(body or b"{}"))
        except (ValueError, ApplicationSpecError) as exc:
            return json_reply(400, {"error": str(exc)})
        return json_reply(200, [app.to_dict() for app in apps])
    return json_reply(405, {"error": f"{method} is not allowed here"})


def _channel(emulator: Emulator, method: str, room: str, body: bytes, query: str) -> Reply:
    if method == "POST":
        try:
            added = emulator.channels.post(room, json.loads(body or b"{}"))
        except (ValueError, ChannelError) as exc:
            return json_reply(400, {"error": str(exc)})
        return json_reply(200, {"added": added})
    if method == "GET":
        try:
            after = int((parse_qs(query).get("after") or ["0"])[-1])
        except ValueError:
            return json_reply(400, {"error": "after is a sequence number"})
        reply = json_reply(200, emulator.channels.after(room, after))
        reply.headers["Access-Control-Allow-Origin"] = "*"  # a page served by one's own dev server polls too
        reply.headers["Cache-Control"] = "no-store"
        return reply
    return json_reply(405, {"error": f"{method} is not allowed here"})


def _sample_app(relative: str) -> Reply:
    if relative.endswith("/") or "." not in relative.rsplit("/", 1)[-1]:
        relative = relative.rstrip("/") + "/index.html"
    path = (SAMPLE_APPS / relative).resolve()
    if not path.is_relative_to(SAMPLE_APPS) or not path.is_file():
        return text(404, "No such sample app file.")
    reply = file_reply(path, None)
    reply.headers["Content-Type"] = SAMPLE_TYPES.get(path.suffix, reply.headers["Content-Type"])
    return reply


SAMPLE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


def apply_faults(emulator: Emulator, spec: dict[str, Any]) -> None:
    if not isinstance(spec, dict):
        raise FaultSpecError("the body must be a JSON object")
    unknown = set(spec) - {"actions", "push", "callbacks", "callback_url"}
    if unknown:
        raise FaultSpecError(f"unknown keys {sorted(unknown)}")
    for action, settings in (spec.get("actions") or {}).items():
        if not isinstance(settings, dict) or set(settings) - ACTION_FIELDS:
            raise FaultSpecError(f"fault settings of {action} must use only {sorted(ACTION_FIELDS)}")
        emulator.faults.set_action(action, **settings)
    if "push" in spec:
        emulator.faults.push_die_after_s = (spec["push"] or {}).get("die_after_s")
    if "callbacks" in spec:
        settings = spec["callbacks"] or {}
        if set(settings) - CALLBACK_FIELDS:
            raise FaultSpecError(f"callback faults must use only {sorted(CALLBACK_FIELDS)}")
        emulator.callbacks.set_faults(CallbackFaults(**settings))
    if spec.get("callback_url"):
        emulator.callbacks.set_url(spec["callback_url"])


def describe(emulator: Emulator) -> dict[str, Any]:
    state = emulator.state.to_dict()
    state["online"] = [dataclasses.asdict(push) for push in emulator.state.online_pushes()]
    state["faults"] = emulator.faults.describe()
    renderer = emulator.css.pushes.renderer
    state["web_rendering"] = {
        "max": renderer.max_sessions,
        "open": renderer.open_count(),
        "unavailable": renderer.unavailable(),
        "sound_unavailable": renderer.sound_unavailable(),
    }
    state["requests"] = [dataclasses.asdict(request) for request in list(emulator.requests)[-200:]]
    state["callbacks"] = [
        {
            "event_type": attempt.event.get("event_type"),
            "attempt": attempt.attempt,
            "status_code": attempt.status_code,
            "outcome": str(attempt.outcome),
            "at": attempt.at,
        }
        for attempt in emulator.callbacks.history()[-200:]
    ]
    return state
