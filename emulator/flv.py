"""Live HTTP-FLV: a push's live HLS remuxed on the fly (`ffmpeg -c copy -f flv`) for players like mpegts.js.

ffmpeg follows the live playlist from near its live edge; the stream ends when the push ends (the playlist gets
its ENDLIST), when the player disconnects, or when the push is no longer live (checked every second).
"""

from __future__ import annotations

import os
import select
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from emulator.media import ffmpeg_exe

CHUNK = 64 * 1024
# The HLS demuxer gives up after this many playlist reloads without a new segment (a push that died uncleanly).
HOLD_RELOADS = 5


def live_flv(playlist: Path, *, is_live: Callable[[], bool], sent: Callable[[int], None]) -> Iterator[bytes]:
    process = subprocess.Popen(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-m3u8_hold_counters",
            str(HOLD_RELOADS),
            "-i",
            str(playlist),
            "-c",
            "copy",
            "-f",
            "flv",
            "pipe:1",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    try:
        while True:
            ready, _, _ = select.select([descriptor], [], [], 1.0)
            if not ready:
                if not is_live():
                    return
                continue
            chunk = os.read(descriptor, CHUNK)
            if not chunk:
                return
            sent(len(chunk))
            yield chunk
    finally:  # also when the player went away (the generator is closed)
        process.kill()
        process.wait()
        process.stdout.close()
