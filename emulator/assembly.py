"""Recording files assembled from a push's live segments (stream copy, no re-encoding): MP4/FLV/AAC remuxed from
the segments as one MPEG-TS, HLS as a VOD playlist over (hard links of) the segments."""

from __future__ import annotations

import math
import os
import shutil
from datetime import datetime
from pathlib import Path

from emulator.media import FORMATS, Segment
from emulator.probing import MediaInfo, probe, run_ffmpeg


def _write_vod_playlist(path: Path, parts: list[tuple[str, Segment]]) -> None:
    """A finished (VOD) playlist; a wall-clock gap between segments is marked as a discontinuity."""
    target = max(1, math.ceil(max(segment.duration_s for _, segment in parts)))
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    previous: Segment | None = None
    for name, segment in parts:
        if previous is None or segment.started_at - previous.ended_at > 1.0:
            if previous is not None:
                lines.append("#EXT-X-DISCONTINUITY")
            stamp = datetime.fromtimestamp(segment.started_at).astimezone().isoformat(timespec="milliseconds")
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{stamp}")
        lines += [f"#EXTINF:{segment.duration_s:.6f},", name]
        previous = segment
    lines.append("#EXT-X-ENDLIST")
    path.write_text("\n".join(lines) + "\n")


# --- recordings -------------------------------------------------------------------------------------------------


_REMUX_ARGS = {
    "mp4": ["-map", "0", "-c", "copy", "-bsf:a", "aac_adtstoasc", "-movflags", "+faststart", "-f", "mp4"],
    "flv": ["-map", "0", "-c", "copy", "-bsf:a", "aac_adtstoasc", "-f", "flv"],
    "aac": ["-map", "0:a", "-c", "copy", "-f", "adts"],
}


def assemble_recording(
    *, segments: list[Segment], out_dir: Path, basename: str, fmt: str
) -> tuple[list[Path], MediaInfo]:
    """Build a recording file from live segments (stream copy, no re-encoding).

    mp4/flv/aac: one file, remuxed from the segments concatenated as one MPEG-TS (segments of one push have
    continuous timestamps; assemble each push separately). hls: a VOD playlist plus the segments (hard links
    where possible, otherwise copies), the playlist first. MediaInfo covers all parts.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown recording format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not segments:
        raise ValueError("a recording needs at least one segment")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "hls":
        playlist = out_dir / f"{basename}.m3u8"
        parts: list[tuple[str, Segment]] = []
        for index, segment in enumerate(segments):
            name = f"{basename}_{index:05d}.ts"
            target = out_dir / name
            target.unlink(missing_ok=True)
            try:
                os.link(segment.path, target)
            except OSError:
                shutil.copyfile(segment.path, target)
            parts.append((name, segment))
        _write_vod_playlist(playlist, parts)
        return [playlist, *(out_dir / name for name, _ in parts)], probe(playlist)
    out = out_dir / f"{basename}.{fmt}"
    partial = out_dir / f".{basename}.{fmt}.part"
    run_ffmpeg(
        ["-f", "mpegts", "-i", "pipe:0", *_REMUX_ARGS[fmt], str(partial)],
        stdin_files=[s.path for s in segments],
    )
    partial.replace(out)
    return [out], probe(out)
