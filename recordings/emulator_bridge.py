"""Demo only: what the console does for the local emulator beyond calling Tencent's API through `tencent/`.

Both bridges act only when the console's Tencent endpoint is its own emulator (`127.0.0.1:EMULATOR_PORT`, the demo
and the tests that run one); against Tencent (or another endpoint) they do nothing.

- `forward_interactions`: a real WEB client app gets its room's comments and gifts from its business backend, not
  from CAR or from this console. The demo has no business backend, so the console plays it: the interaction events
  posted to its API for a room go on to the sample live room's event channel (`emulator/webchannel.py`), and the
  page shows the very events that sit as markers on the review timeline.
- `rendered_picture`: CAR's API says nothing about what an application instance shows, so why the emulator pushed
  its test picture instead of a WEB app's page (or the page without its sound) is read from the emulator's own
  admin state (`GET /_emulator/state`, `pushes[].picture`) — not from any field of a Tencent response.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.conf import settings

logger = logging.getLogger(__name__)
TIMEOUT_S = 2.0
# Loopback only: never through a proxy the environment may name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def own_emulator_url() -> str | None:
    own = f"127.0.0.1:{settings.EMULATOR_PORT}"
    return f"http://{own}" if own == settings.TENCENT_API_ENDPOINT else None


def _call(method: str, path: str, body: Any = None) -> Any:
    base = own_emulator_url()
    if base is None:
        return None
    data = json.dumps(body, default=str).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read() or b"null")
    except (OSError, ValueError) as exc:  # the demo goes on without it: a missed comment, a missing note
        logger.warning("the emulator's %s %s failed: %s", method, path, exc)
        return None


def forward_interactions(*, room_key: str, events: Iterable[dict[str, Any]]) -> None:
    """Hand a room's interaction events to the sample live room's event channel (demo only)."""
    batch = [
        {"at": event["at"].isoformat(), "kind": event["kind"], "text": event["text"], "id": event["id"]}
        for event in events
    ]
    if batch and own_emulator_url() is not None:
        _call("POST", f"/_emulator/channels/{quote(room_key, safe='')}", {"events": batch})


def rendered_picture(*, stream_name: str) -> str | None:
    """What the emulator's live push of this stream shows ("rendered page …", "test picture: <why>"), if known."""
    state = _call("GET", "/_emulator/state")
    if not isinstance(state, dict):
        return None
    for push in state.get("pushes") or []:
        if isinstance(push, dict) and push.get("stream_name") == stream_name and push.get("ended_at") is None:
            return str(push.get("picture") or "")
    return None


def rendering_note(picture: str) -> str:
    """The session history's line for a push that does not show (or sound like) the WEB app ("" when it does)."""
    if picture.startswith("test picture: "):
        why = picture.removeprefix("test picture: ")
        return f"The emulator pushes its test picture instead of the WEB app's page: {why}."
    _, _, sound = picture.partition("; sound: silence (")
    if picture.startswith("rendered page ") and sound:
        return f"The emulator renders the WEB app's page without its sound: {sound.rstrip(')')}."
    return ""
