"""VOD event notification (`vod` 2018-07-17): the event configuration and the reliable (PULL) queue.

As documented (API 266/33433, 266/34184, ModifyEventConfig): in PULL mode events wait in a queue; PullEvents
long-polls (answers at once when an event waits, else holds the request up to 5 s) and returns at most 16; an
event handed out is leased for 30 s and must be confirmed with ConfirmEvents within that time, else it is pulled
again, and confirming a lapsed handle fails with `InvalidParameterValue`; unpulled events are kept 4 days.
`FileDeleted` is queued only while `DeleteMediaCompleteEventSwitch` is ON (default OFF); `RestoreMediaComplete`
has no switch. PUSH mode (HTTP 3.0 callbacks) is accepted as configuration but delivers nothing: the emulator
only emulates the reliable queue (README lists it).

The queue lives in `state.lifecycle["vod_events"]` so it survives a restart with the snapshot.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from emulator.envelope import ApiError
from emulator.params import INT, STR, STR_LIST, Action, RequestContext
from emulator.state import EmulatorState

PULL_WAIT_SECONDS = 5.0
PULL_MAX_EVENTS = 16
LEASE_SECONDS = 30.0
RETENTION_SECONDS = 4 * 24 * 3600
SWITCHES = (
    "UploadMediaCompleteEventSwitch",
    "DeleteMediaCompleteEventSwitch",
    "PersistenceCompleteEventSwitch",
)
DEFAULT_CONFIG = {
    "Mode": "PUSH",
    "NotificationUrl": "",
    "UploadMediaCompleteEventSwitch": "OFF",
    "DeleteMediaCompleteEventSwitch": "OFF",
    "PersistenceCompleteEventSwitch": "OFF",
}


class VodEvents:
    def __init__(self, *, state: EmulatorState) -> None:
        self.state = state
        self._arrived = threading.Condition()
        # Called while a PullEvents waits, so an expiry or a retrieval finishing meanwhile is announced in time.
        self.settle: Callable[[float], None] = lambda now: None

    def actions(self) -> dict[str, Action]:
        spec_sub_app = {"SubAppId": (INT, False)}
        return {
            "PullEvents": Action({**spec_sub_app, "ExtInfo": (STR, False)}, self.pull_events),
            "ConfirmEvents": Action(
                {**spec_sub_app, "EventHandles": (STR_LIST, True), "ExtInfo": (STR, False)},
                self.confirm_events,
            ),
            "DescribeEventConfig": Action({**spec_sub_app}, self.describe_event_config),
            "ModifyEventConfig": Action(
                {
                    **spec_sub_app,
                    "Mode": (STR, False),
                    "NotificationUrl": (STR, False),
                    **{name: (STR, False) for name in SWITCHES},
                    "SignKey": (STR, False),
                },
                self.modify_event_config,
            ),
        }

    # --- configuration ---------------------------------------------------------------------------------------

    def config(self) -> dict[str, str]:
        with self.state.lock:
            return {**DEFAULT_CONFIG, **self.state.lifecycle.get("vod_event_config", {})}

    def describe_event_config(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        return {key: value for key, value in self.config().items() if key != "SignKey"}

    def modify_event_config(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        changes: dict[str, str] = {}
        if params.get("Mode") is not None:
            if params["Mode"] not in {"PUSH", "PULL"}:
                raise ApiError("InvalidParameterValue", "Mode must be PUSH or PULL.")
            changes["Mode"] = params["Mode"]
        for name in SWITCHES:
            if params.get(name) is not None:
                if params[name] not in {"ON", "OFF"}:
                    raise ApiError("InvalidParameterValue.Switch", f"{name} must be ON or OFF.")
                changes[name] = params[name]
        for name in ("NotificationUrl", "SignKey"):
            if params.get(name) is not None:
                changes[name] = params[name]
        with self.state.mutate():
            stored = self.state.lifecycle.setdefault("vod_event_config", {})
            stored.update(changes)
        return {}

    # --- the queue -------------------------------------------------------------------------------------------

    def emit(
        self, event_type: str, body_field: str, body: dict[str, Any], *, switch: str | None = None
    ) -> None:
        """Queue an event (PULL mode only; a switched-off event is not generated at all)."""
        config = self.config()
        if switch is not None and config.get(switch) != "ON":
            return
        if config["Mode"] != "PULL":
            return
        event = {"EventType": event_type, body_field: body}
        with self.state.mutate():
            queue = self.state.lifecycle.setdefault("vod_events", [])
            queue.append({"event": event, "created": time.time(), "handle": "", "leased_until": 0.0})
        with self._arrived:
            self._arrived.notify_all()

    def pull_events(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        deadline = time.monotonic() + PULL_WAIT_SECONDS
        while True:
            events = self._lease()
            remaining = deadline - time.monotonic()
            if events or remaining <= 0:
                return {"EventSet": events}
            with self._arrived:
                self._arrived.wait(timeout=min(remaining, 0.5))
            self.settle(time.time())

    def confirm_events(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        handles = params["EventHandles"]
        if not handles or len(handles) > PULL_MAX_EVENTS:
            raise ApiError("InvalidParameterValue", f"EventHandles must hold 1 to {PULL_MAX_EVENTS} handles.")
        now = time.time()
        with self.state.mutate():
            queue = self.state.lifecycle.setdefault("vod_events", [])
            by_handle = {item["handle"]: item for item in queue if item["handle"]}
            for handle in handles:
                item = by_handle.get(handle)
                if item is None or item["leased_until"] < now:
                    # "超过 30 秒后确认会报参数错误 (4000)": a lapsed or unknown handle is refused.
                    raise ApiError(
                        "InvalidParameterValue", f"The event handle {handle!r} is invalid or expired."
                    )
            confirmed = set(handles)
            queue[:] = [item for item in queue if item["handle"] not in confirmed]
        return {}

    def _lease(self) -> list[dict[str, Any]]:
        now = time.time()
        with self.state.mutate():
            queue = self.state.lifecycle.setdefault("vod_events", [])
            queue[:] = [item for item in queue if item["created"] > now - RETENTION_SECONDS]
            free = [item for item in queue if item["leased_until"] < now][:PULL_MAX_EVENTS]
            for item in free:
                item["handle"] = secrets.token_hex(16)  # a new handle per lease: an old one cannot confirm
                item["leased_until"] = now + LEASE_SECONDS
            return [{"EventHandle": item["handle"], **item["event"]} for item in free]
