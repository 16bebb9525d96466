"""Byte ranges and content types of media replies (what <video> and hls.js need)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.replies import file_reply


@pytest.fixture
def movie(tmp_path: Path) -> Path:
    path = tmp_path / "movie.mp4"
    path.write_bytes(bytes(100))
    return path


@pytest.mark.parametrize(
    ("header", "status", "content_range", "length"),
    [
        (None, 200, None, 100),
        ("bytes=0-", 206, "bytes 0-99/100", 100),
        ("bytes=10-19", 206, "bytes 10-19/100", 10),
        ("bytes=90-500", 206, "bytes 90-99/100", 10),
        ("bytes=-30", 206, "bytes 70-99/100", 30),
        ("bytes=100-", 416, "bytes */100", 0),
        ("bytes=5-2", 416, "bytes */100", 0),
        ("items=0-1", 416, "bytes */100", 0),
    ],
)
def test_ranges(movie: Path, header: str | None, status: int, content_range: str | None, length: int) -> None:
    reply = file_reply(movie, header)
    assert reply.status == status
    assert reply.headers.get("Content-Range") == content_range
    assert reply.length == length
    assert reply.headers["Content-Type"] == "video/mp4"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("a.m3u8", "application/vnd.apple.mpegurl"), ("a.ts", "video/mp2t"), ("a.jpg", "image/jpeg")],
)
def test_content_types(tmp_path: Path, name: str, content_type: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    assert file_reply(path, None).headers["Content-Type"] == content_type
