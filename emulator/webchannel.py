"""The sample live room's event channel: the bullet comments and gifts its page shows, per room.

A real WEB client app gets its room's comments and gifts from its own business backend (an IM channel the page
subscribes to with the room id from its URL); CAR carries nothing of the kind. The sample app's backend is this
in-memory channel, hosted by the emulator beside the app's files:

- `POST /_emulator/channels/<room>` with `{"events": [{"at": ISO 8601, "kind": "bullet_comment", "text": …,
  "id": …}]}` — what the business backend says happened (in the demo the console forwards the interaction events
  posted to its API, `POST /api/v1/rooms/{room_key}/interactions`, which is the same data);
- `GET /_emulator/channels/<room>?after=<seq>` — the events after that sequence number, which the page polls and
  shows at their `at` (at once when `at` has passed).

Each room keeps its last `KEEP_PER_ROOM` events; an event whose `id` the room already has is ignored (a retried
forward adds nothing twice).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ROOM = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
KEEP_PER_ROOM = 500
MAX_PER_POST = 500


class ChannelError(ValueError):
    pass


@dataclass
class _Room:
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEEP_PER_ROOM))
    last: int = 0


def _event(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ChannelError("an event is a JSON object")
    at, kind, text = raw.get("at"), raw.get("kind"), raw.get("text", "")
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        raise ChannelError("an event's at is an ISO 8601 date-time with its offset") from None
    if moment.tzinfo is None:
        raise ChannelError("an event's at is an ISO 8601 date-time with its offset")
    if not isinstance(kind, str) or not kind or not isinstance(text, str):
        raise ChannelError("an event has a kind and a text")
    return {
        "at_ms": round(moment.timestamp() * 1000),
        "kind": kind[:32],
        "text": text[:500],
        "id": str(raw.get("id") or "")[:100],
    }


class Channels:
    def __init__(self) -> None:
        self._rooms: dict[str, _Room] = {}
        self._lock = threading.Lock()

    def post(self, room: str, body: Any) -> int:
        """Add the events (all or none); returns how many were new."""
        if not ROOM.match(room):
            raise ChannelError("a room is 1-128 letters, digits, '.', '-' or '_'")
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list) or len(events) > MAX_PER_POST:
            raise ChannelError(f'the body is {{"events": [...]}} with at most {MAX_PER_POST} events')
        parsed = [_event(raw) for raw in events]
        added = 0
        with self._lock:
            channel = self._rooms.setdefault(room, _Room())
            for event in parsed:
                if event["id"] and any(kept["id"] == event["id"] for kept in channel.events):
                    continue
                channel.last += 1
                channel.events.append({**event, "seq": channel.last})
                added += 1
        return added

    def after(self, room: str, seq: int) -> dict[str, Any]:
        with self._lock:
            channel = self._rooms.get(room)
            if channel is None:
                return {"events": [], "last": 0}
            return {"events": [e for e in channel.events if e["seq"] > seq], "last": channel.last}

    def clear(self) -> None:
        with self._lock:
            self._rooms.clear()
