"""Automatic checks of a recording file: one ffmpeg pass over its signed URL finds black, frozen and silent
stretches, whether it has audio and video, and how long it really is; the duration is compared with the plan.

ffmpeg (from imageio-ffmpeg; there is no ffprobe) reads the file straight from VOD/COS through a short-lived signed
URL, so nothing is downloaded to disk; a local path is read as it is. The findings replace the file's flags.
"""

from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import imageio_ffmpeg
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from dashboard import audit
from recordings.media.services import files
from recordings.models import CheckState, FlagKind, QaCheck, QaFlag, RecordingFile
from tencent.errors import TencentError

logger = logging.getLogger(__name__)

FFMPEG_TIMEOUT_S = 1800
# Stretches shorter than these are normal (a cut, a pause between sentences) and not worth a moderator's look.
BLACK_MIN_S = 1.0
FREEZE_MIN_S = 2.0
SILENCE_MIN_S = 1.5
SILENCE_NOISE_DB = -50
# A recording may differ from its plan by this much before it is flagged: start-up and the last segment.
DURATION_TOLERANCE_S = 15.0
DURATION_TOLERANCE_RATIO = 0.05

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:\d+(?:\[\w+\])?(?:\(\w+\))?: (Video|Audio):")
_BLACK = re.compile(r"black_start:(?P<start>[\d.]+) black_end:(?P<end>[\d.]+)")
_FREEZE = re.compile(r"freezedetect\.freeze_(?P<what>start|end): (?P<at>[\d.]+)")
_SILENCE = re.compile(r"silence_(?P<what>start|end): (?P<at>-?[\d.]+)")
_PROGRESS_TIME = re.compile(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class Finding:
    kind: str
    start_s: float | None = None
    end_s: float | None = None
    detail: str = ""


@dataclass
class MediaReport:
    duration_s: float | None
    has_video: bool
    has_audio: bool
    findings: list[Finding] = field(default_factory=list)


def _seconds(hours: str, minutes: str, seconds: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _ranges(events: list[tuple[str, float]], end_of_media: float | None) -> list[tuple[float, float]]:
    """start/end events in order → closed ranges; a range still open at the end runs to the end of the media."""
    ranges: list[tuple[float, float]] = []
    started: float | None = None
    for what, at in events:
        if what == "start":
            started = max(at, 0.0)
        elif started is not None:
            ranges.append((started, at))
            started = None
    if started is not None and end_of_media is not None and end_of_media > started:
        ranges.append((started, end_of_media))
    return ranges


def _covered(inner: tuple[float, float], outer: list[tuple[float, float]], slack: float = 0.2) -> bool:
    return any(start - slack <= inner[0] and inner[1] <= end + slack for start, end in outer)


def parse_ffmpeg_output(text: str) -> MediaReport:
    """The report from ffmpeg's stderr of the analysis pass (pure, so it is tested without ffmpeg)."""
    duration_match = _DURATION.search(text)
    duration = _seconds(*duration_match.groups()) if duration_match else None
    if duration is None:
        # Live-style HLS has no container duration: the last progress time is how far ffmpeg read.
        times = _PROGRESS_TIME.findall(text)
        duration = _seconds(*times[-1]) if times else None
    kinds = {match.group(1) for match in _STREAM.finditer(text.split("Stream mapping:")[0])}
    report = MediaReport(duration_s=duration, has_video="Video" in kinds, has_audio="Audio" in kinds)

    black = [(float(m["start"]), float(m["end"])) for m in _BLACK.finditer(text)]
    frozen = _ranges([(m["what"], float(m["at"])) for m in _FREEZE.finditer(text)], duration)
    silent = _ranges([(m["what"], float(m["at"])) for m in _SILENCE.finditer(text)], duration)
    for start, end in black:
        if end - start >= BLACK_MIN_S:
            report.findings.append(
                Finding(FlagKind.BLACK, start, end, f"{end - start:.1f} s of black picture")
            )
    for start, end in frozen:
        # A black stretch is also a still one: flag it once, as black.
        if end - start >= FREEZE_MIN_S and not _covered((start, end), black):
            report.findings.append(
                Finding(FlagKind.FROZEN, start, end, f"picture frozen for {end - start:.1f} s")
            )
    for start, end in silent:
        if end - start >= SILENCE_MIN_S:
            report.findings.append(Finding(FlagKind.SILENCE, start, end, f"{end - start:.1f} s of silence"))
    if not report.has_audio:
        report.findings.append(Finding(FlagKind.NO_AUDIO, detail="the file has no audio track"))
    if not report.has_video:
        report.findings.append(Finding(FlagKind.NO_VIDEO, detail="the file has no video track"))
    return report


def analyse(source: str) -> MediaReport:
    """Run the single analysis pass over `source` (a URL or a path); filters of a missing stream are ignored."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin"]
    if source.startswith(("http://", "https://")):
        command += ["-rw_timeout", "30000000"]  # microseconds: a stalled download fails instead of hanging
    command += [
        "-i",
        source,
        "-vf",
        f"blackdetect=d={BLACK_MIN_S / 2}:pix_th=0.10,freezedetect=n=0.003:d={FREEZE_MIN_S}",
        "-af",
        f"silencedetect=n={SILENCE_NOISE_DB}dB:d={SILENCE_MIN_S}",
        "-f",
        "null",
        "-",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    if result.returncode != 0 or "Stream #" not in result.stderr:
        raise MediaUnreadable(_last_line(result.stderr) or f"ffmpeg exited with {result.returncode}")
    return parse_ffmpeg_output(result.stderr)


class MediaUnreadable(Exception):
    pass


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def media_source(recording: RecordingFile) -> str:
    """Where ffmpeg reads the file: a local path as it is, otherwise a freshly signed URL (VOD or COS)."""
    url = recording.url
    local = Path(url.removeprefix("file://"))
    if (url.startswith("file://") or url.startswith("/")) and local.is_file():
        return str(local)
    return files.signed_url(recording).url


def duration_finding(recording: RecordingFile, measured_s: float | None) -> Finding | None:
    """Compare what this recording holds with what its session planned (all of its files of this format)."""
    session = recording.session
    if session is None or measured_s is None:
        return None
    planned = (session.planned_end - session.planned_start).total_seconds()
    siblings = (
        RecordingFile.objects.filter(session=session, format=recording.format, deleted_at__isnull=True)
        .exclude(pk=recording.pk)
        .aggregate(total=Sum("duration_s"))["total"]
        or 0.0
    )
    recorded = measured_s + siblings
    tolerance = max(DURATION_TOLERANCE_S, planned * DURATION_TOLERANCE_RATIO)
    if abs(recorded - planned) <= tolerance:
        return None
    share = recorded / planned * 100 if planned else 0
    return Finding(
        FlagKind.DURATION,
        detail=f"recorded {recorded:.0f} s of {planned:.0f} s planned ({share:.0f}%)",
    )


def qa_checks_run(*, file_pk: int, now: datetime | None = None) -> QaCheck:
    """Analyse the file and replace its flags. The long ffmpeg pass runs outside any transaction."""
    recording = RecordingFile.objects.select_related("session").get(pk=file_pk)
    check, _ = QaCheck.objects.update_or_create(
        file=recording, defaults={"state": CheckState.RUNNING, "error": "", "finished_at": None}
    )
    try:
        if recording.deleted_at is not None:
            raise MediaUnreadable("the file was deleted")
        report = analyse(media_source(recording))
    except (MediaUnreadable, TencentError, subprocess.TimeoutExpired, OSError) as exc:
        message = exc.message if isinstance(exc, TencentError) else str(exc)
        logger.warning("QA checks of %s failed: %s", recording, message)
        return _finish(check, recording, state=CheckState.FAILED, error=message, now=now)
    duration = duration_finding(recording, report.duration_s)
    findings = report.findings + ([duration] if duration else [])
    return _finish(check, recording, state=CheckState.DONE, report=report, findings=findings, now=now)


@transaction.atomic
def _finish(
    check: QaCheck,
    recording: RecordingFile,
    *,
    state: str,
    now: datetime | None,
    error: str = "",
    report: MediaReport | None = None,
    findings: list[Finding] | None = None,
) -> QaCheck:
    check.state, check.error, check.finished_at = state, error, now or timezone.now()
    if report is not None:
        check.measured_duration_s = report.duration_s
        check.has_video, check.has_audio = report.has_video, report.has_audio
    check.save()
    if findings is not None:
        QaFlag.objects.filter(file=recording).delete()
        QaFlag.objects.bulk_create(
            QaFlag(
                file=recording,
                kind=f.kind,
                start_s=None if f.start_s is None else round(f.start_s, 2),
                end_s=None if f.end_s is None else round(f.end_s, 2),
                detail=f.detail[:300],
            )
            for f in findings
        )
    audit.record(
        actor=None,
        action="review.qa_checks",
        obj=recording,
        changes={"state": state, "error": error, "flags": sorted(f.kind for f in findings or [])},
    )
    return check
