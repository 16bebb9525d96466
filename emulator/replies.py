"""HTTP replies of the emulator's non-API routes (media, COS, admin), including byte ranges for video files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Content-Length, Content-Range"}
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".flv": "video/x-flv",
    ".aac": "audio/aac",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    file: Path | None = None  # streamed from disk instead of body
    offset: int = 0
    length: int = 0
    stream: Iterator[bytes] | None = None  # open-ended body, sent with chunked transfer encoding


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def text(status: int, message: str, *, cors: bool = True) -> Reply:
    headers = {"Content-Type": "text/plain; charset=utf-8", **(CORS if cors else {})}
    return Reply(status, headers, message.encode())


def json_reply(status: int, data: Any) -> Reply:
    return Reply(status, {"Content-Type": "application/json"}, json.dumps(data, default=str).encode())


def file_reply(path: Path, range_header: str | None, *, extra: dict[str, str] | None = None) -> Reply:
    """The file, or the requested byte range of it (206), as browsers need to play and seek MP4."""
    size = path.stat().st_size
    headers = {"Content-Type": content_type(path), "Accept-Ranges": "bytes", **CORS, **(extra or {})}
    if range_header:
        match = _RANGE.match(range_header.strip())
        if match is None or (not match[1] and not match[2]):
            return Reply(416, {**headers, "Content-Range": f"bytes */{size}"})
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # a suffix range: the last N bytes
            start, end = max(0, size - int(match[2])), size - 1
        if start >= size or start > end:
            return Reply(416, {**headers, "Content-Range": f"bytes */{size}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return Reply(206, headers, file=path, offset=start, length=end - start + 1)
    return Reply(200, headers, file=path, offset=0, length=size)
