"""The emulator's HTTP server: one port for the Tencent API, COS, live HLS, VOD files, snapshots and admin.

Routing:
- `/_emulator/...` → admin JSON;
- a `Host` ending in `.myqcloud.com`, or a COS presigned query (`q-sign-algorithm`) → COS XML API;
- a request carrying `X-TC-Action` → Tencent Cloud API 3.0 (TC3-signed JSON);
- `GET /vod/...`, `/snapshots/...`, `/<app>/<stream>.m3u8` (+ segments) → media files.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from emulator import admin, envelope
from emulator.app import Emulator
from emulator.config import EmulatorConfig
from emulator.replies import CORS, Reply, text

logger = logging.getLogger("emulator")
COPY_CHUNK = 256 * 1024


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    emulator: Emulator

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, RequestHandler)


class RequestHandler(BaseHTTPRequestHandler):
    server: EmulatorServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY on every connection: the headers and the body leave in separate writes, and with Nagle's
    # algorithm the body then waits for the client's delayed ACK (~40 ms per API call on a kept-alive
    # connection). Tencent's endpoints answer without that delay, so the emulator must too.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._send(
            Reply(
                204,
                {
                    **CORS,
                    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                    "Access-Control-Allow-Headers": "Range, Content-Type",
                    "Access-Control-Max-Age": "600",
                },
            )
        )

    def _dispatch(self, method: str) -> None:
        emulator = self.server.emulator
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        query = parse_qs(url.query, keep_blank_values=True)
        host = headers.get("host", "").split(":")[0].lower()
        try:
            if url.path.startswith("/_emulator/"):
                reply = admin.handle(emulator, method, url.path, body, query=url.query)
            elif host.endswith(".myqcloud.com") or "q-sign-algorithm" in query:
                reply = emulator.cos.handle(
                    method=method, path=url.path, query=query, headers=headers, body=body
                )
            elif "x-tc-action" in headers:
                status, payload = emulator.handle_api(
                    method=method,
                    path=url.path,
                    query=url.query,
                    headers=headers,
                    body=body,
                    client_ip=self.client_address[0],
                )
                reply = Reply(status, {"Content-Type": envelope.CONTENT_TYPE}, payload)
            elif method in {"GET", "HEAD"}:
                reply = emulator.serve_media(path=url.path, query=query, range_header=headers.get("range"))
            else:
                reply = text(405, "Method not allowed.")
        except Exception:
            logger.exception("emulator failed on %s %s", method, self.path)
            reply = text(500, "The emulator failed on this request; see its log.")
        self._send(reply, head=method == "HEAD")

    def _send(self, reply: Reply, *, head: bool = False) -> None:
        if reply.stream is not None:
            self._send_stream(reply, head=head)
            return
        self.send_response(reply.status)
        length = reply.length if reply.file is not None else len(reply.body)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if head:
            return
        try:
            if reply.file is not None:
                with reply.file.open("rb") as handle:
                    handle.seek(reply.offset)
                    remaining = reply.length
                    while remaining > 0:
                        chunk = handle.read(min(COPY_CHUNK, remaining))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        remaining -= len(chunk)
            elif reply.body:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the player went away (seeking closes connections); nothing to do

    def _send_stream(self, reply: Reply, *, head: bool) -> None:
        assert reply.stream is not None
        stream = reply.stream
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if head:
                return
            for chunk in stream:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the player went away
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops the producer (e.g. its ffmpeg)


class RunningServer:
    """An emulator served from a background thread (tests, the management command)."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.httpd = EmulatorServer((config.host, config.port))
        # Port 0 asks for a free port: the emulator must know the real one (its play URLs carry it).
        self.httpd.emulator = Emulator(config.replace(port=int(self.httpd.server_address[1])))
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="emulator-http", daemon=True
        )

    @property
    def emulator(self) -> Emulator:
        return self.httpd.emulator

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> RunningServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
        self.emulator.close()


def serve_forever(config: EmulatorConfig) -> None:
    server = RunningServer(config)
    logger.info("Tencent Cloud emulator listening on http://%s:%s", config.host, server.port)
    logger.info("data in %s, snapshot %s", config.data_dir.resolve(), config.snapshot or "off")
    try:
        server.httpd.serve_forever()
    finally:
        server.httpd.server_close()
        server.emulator.close()
