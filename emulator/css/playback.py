"""Playback on the play domain: live HLS playlists and segments, HTTP-FLV, and the screenshots' files.

Live URLs are signed with the play key (txSecret/txTime) like Tencent's hotlink protection; every byte served
counts as downstream usage of the play domain.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from emulator.config import EmulatorConfig
from emulator.flv import live_flv
from emulator.hotlink import check_tx_secret
from emulator.media import LiveStream
from emulator.replies import CORS, Reply, file_reply, text
from emulator.state import EmulatorState


class Playback:
    def __init__(
        self,
        *,
        config: EmulatorConfig,
        state: EmulatorState,
        live_stream: Callable[[str, str], LiveStream | None],
    ) -> None:
        self.config = config
        self.state = state
        self.live_stream = live_stream  # (app, stream) → the running push, if any

    def serve_live(self, *, path: str, query: dict[str, list[str]]) -> Reply | None:
        """`/<app>/<stream>.m3u8` (playlist, segment URIs carry the same query), `/<app>/<stream>/<segment>`
        and `/<app>/<stream>.flv` (HTTP-FLV), all behind the play key's txSecret."""
        parts = [part for part in path.split("/") if part]
        if len(parts) == 2 and parts[1].endswith((".m3u8", ".flv")):
            app_name, (stream_name, suffix) = parts[0], parts[1].rsplit(".", 1)
            segment = None
        elif len(parts) == 3 and parts[2].endswith(".ts"):
            app_name, stream_name, segment, suffix = parts[0], parts[1], parts[2], "ts"
        else:
            return None
        reason = check_tx_secret(
            key=self.config.css_play_key,
            stream_name=stream_name,
            tx_secret_value=query.get("txSecret", [""])[0],
            tx_time=query.get("txTime", [""])[0],
            now=time.time(),
        )
        if reason is not None:
            return text(403, f"Forbidden: {reason}.")
        stream = self.live_stream(app_name, stream_name)
        if stream is None:
            return text(404, "The stream is not live.")
        directory = stream.playlist_path.parent
        if suffix == "flv":
            return self._flv(stream)
        if segment is None:
            reply = self._playlist(stream, stream_name, query)
        else:
            file = directory / segment
            if file.parent != directory or not file.is_file():
                return text(404, "No such segment.")
            reply = file_reply(file, None, extra={"Cache-Control": "no-cache"})
        with self.state.lock:
            self.state.usage.add(
                self.state.usage.downstream_bytes,
                self.config.css_play_domain,
                time.time(),
                reply.length or len(reply.body),
            )
        return reply

    def _flv(self, stream: LiveStream) -> Reply:
        def sent(size: int) -> None:
            with self.state.lock:
                self.state.usage.add(
                    self.state.usage.downstream_bytes, self.config.css_play_domain, time.time(), size
                )

        body = live_flv(stream.playlist_path, is_live=stream.is_alive, sent=sent)
        return Reply(200, {"Content-Type": "video/x-flv", "Cache-Control": "no-cache", **CORS}, stream=body)

    def _playlist(self, stream: LiveStream, stream_name: str, query: dict[str, list[str]]) -> Reply:
        suffix = urlencode({key: values[0] for key, values in query.items()})
        lines = []
        for line in stream.playlist_path.read_text().splitlines():
            if line and not line.startswith("#"):
                line = f"{stream_name}/{line.split('/')[-1]}" + (f"?{suffix}" if suffix else "")
            lines.append(line)
        body = ("\n".join(lines) + "\n").encode()
        return Reply(
            200, {"Content-Type": "application/vnd.apple.mpegurl", "Cache-Control": "no-cache", **CORS}, body
        )

    def serve_snapshot(self, *, path: str, range_header: str | None) -> Reply:
        root = (self.config.data_dir / "snapshots").resolve()
        file = (root / path[len("/snapshots/") :]).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return text(404, "No such snapshot.")
        return file_reply(file, range_header)
