"""A real HTTP receiver on loopback that checks Standard Webhooks signatures with its own HMAC code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def own_signatures(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass
class Received:
    msg_id: str
    timestamp: str
    signatures: list[str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`answer(received_so_far_for_this_id)` gives the status; `delay` seconds before answering."""

    answer: Callable[[int], int] = lambda n: 204
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    msg_id = self.headers.get("webhook-id", "")
                    seen = sum(1 for r in receiver.requests if r.msg_id == msg_id)
                    status = receiver.answer(seen)
                    receiver.requests.append(
                        Received(
                            msg_id,
                            self.headers.get("webhook-timestamp", ""),
                            self.headers.get("webhook-signature", "").split(" "),
                            body,
                            status,
                        )
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def verified(self, secret: str) -> list[Received]:
        """The requests carrying a valid signature for `secret`, computed here, not by the library."""
        return [
            r for r in self.requests if own_signatures(secret, r.msg_id, r.timestamp, r.body) in r.signatures
        ]

    def delivered(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]
