"""A tiny stand-in for Tencent's API endpoint: answers scripted envelopes per action, records what it received.

It lets the transport tests drive the unmodified SDK end to end (signing, HTTP, envelope parsing) without the
emulator: success, error envelope, throttling then success, HTTP 500.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    body: dict[str, Any] = field(default_factory=dict)  # the fields of a success Response
    error: tuple[str, str] | None = None  # (Code, Message) for an error envelope
    status: int = 200
    content_type: str = "application/json"


@dataclass
class Received:
    action: str
    params: dict[str, Any]
    headers: dict[str, str]


class FakeTencent:
    def __init__(self) -> None:
        self.script: dict[str, deque[Reply]] = defaultdict(deque)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = json.loads(self.rfile.read(length) or b"{}")
                action = self.headers.get("X-TC-Action", "")
                fake._receive(Received(action, params, dict(self.headers.items())))
                reply = fake._next(action)
                request_id = str(uuid.uuid4())
                if reply.error:
                    code, message = reply.error
                    payload = {
                        "Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
                    }
                else:
                    payload = {"Response": {**reply.body, "RequestId": request_id}}
                data = json.dumps(payload).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"127.0.0.1:{self.server.server_address[1]}"

    def _receive(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def _next(self, action: str) -> Reply:
        with self._lock:
            queue = self.script[action]
            return queue.popleft() if len(queue) > 1 else (queue[0] if queue else Reply())

    def answer(self, action: str, *replies: Reply) -> None:
        """Queue replies for `action`; the last one repeats for every further request."""
        with self._lock:
            self.script[action].extend(replies)

    def actions(self) -> list[str]:
        return [item.action for item in self.received]


@contextmanager
def fake_tencent() -> Iterator[FakeTencent]:
    fake = FakeTencent()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
