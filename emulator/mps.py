"""MPS (`mps` 2019-06-12): content recognition of a media file — `ProcessMedia` with an `AiRecognitionTask`, then
`DescribeTaskDetail` until the workflow task is FINISH.

The result is plausible rather than real: full-text speech recognition (ASR) and on-screen text (OCR) segments
spread over the media's real duration (probed with ffmpeg when the input is one of the emulator's own VOD files,
60 s otherwise), with the shapes and time offsets of Tencent's `AiRecognitionResultSet`.

An input MPS could not download fails as the task's error (ErrCode 60000, "source file error"), not at
ProcessMedia: one of the emulator's VOD files in ARCHIVE / DEEP_ARCHIVE that is not restored is such an input, as
its URL answers 403 (emulator/vod.py) — the emulator reads its files from disk, which would otherwise let MPS
process what Tencent would refuse to serve.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from emulator.config import EmulatorConfig
from emulator.envelope import ApiError
from emulator.media import probe
from emulator.params import INT, OBJECT, STR, Action, RequestContext
from emulator.state import EmulatorState
from emulator.vod_storage import playable

PROCESSING_SECONDS = 1.0
DEFAULT_DURATION_S = 60.0
ASR_EVERY_S = 4.0
OCR_EVERY_S = 10.0
SPEECH = (
    "Welcome back everyone, thanks for joining the stream.",
    "Let's look at today's match highlights.",
    "Thank you for the rocket, that is very kind.",
    "Our guest is joining us on the second camera now.",
    "Remember to follow the channel for the next show.",
    "That was a great goal in the second half.",
)
TASK_ID_PREFIX = "2600000000-WorkflowTask-"
SOURCE_ERROR = 60000  # MPS task ErrCode: source file error
ACCEPTED_INPUT_TYPES = {"URL", "COS", "VOD"}


@dataclass
class RecognitionTask:
    task_id: str
    url: str
    definition: int
    created_at: float
    duration_s: float
    session_context: str = ""
    segments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    error: str = ""  # the input could not be read: the task finishes with ErrCode SOURCE_ERROR


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def asr_segments(duration_s: float) -> list[dict[str, Any]]:
    segments = []
    start, index = 0.5, 0
    while start < duration_s:
        end = min(start + ASR_EVERY_S - 0.5, duration_s)
        segments.append(
            {
                "Confidence": 92.5,
                "StartTimeOffset": round(start, 2),
                "EndTimeOffset": round(end, 2),
                "Text": SPEECH[index % len(SPEECH)],
                "Wordlist": [],
            }
        )
        start, index = start + ASR_EVERY_S, index + 1
    return segments


def ocr_segments(duration_s: float) -> list[dict[str, Any]]:
    segments = []
    start = 0.0
    while start < duration_s:
        end = min(start + OCR_EVERY_S, duration_s)
        clock = time.strftime("%H:%M:%S", time.gmtime(start))
        segments.append(
            {
                "StartTimeOffset": round(start, 2),
                "EndTimeOffset": round(end, 2),
                "TextSet": [
                    {
                        "Confidence": 97.0,
                        "AreaCoordSet": [16, 16, 300, 48],
                        "Text": "CNR emulator test stream",
                    },
                    {"Confidence": 95.0, "AreaCoordSet": [16, 60, 200, 90], "Text": f"LIVE {clock}"},
                ],
            }
        )
        start = end
    return segments


class MpsService:
    def __init__(self, *, config: EmulatorConfig, state: EmulatorState | None = None) -> None:
        self.config = config
        self.state = state
        self._tasks: dict[str, RecognitionTask] = {}
        self._lock = threading.Lock()

    def actions(self) -> dict[str, Action]:
        return {
            "ProcessMedia": Action(
                {
                    "InputInfo": (OBJECT, True),
                    "OutputStorage": (OBJECT, False),
                    "OutputDir": (STR, False),
                    "AiRecognitionTask": (OBJECT, False),
                    "AiAnalysisTask": (OBJECT, False),
                    "AiContentReviewTask": (OBJECT, False),
                    "MediaProcessTask": (OBJECT, False),
                    "TaskNotifyConfig": (OBJECT, False),
                    "TasksPriority": (INT, False),
                    "SessionId": (STR, False),
                    "SessionContext": (STR, False),
                    "TaskType": (STR, False),
                    "ResourceId": (STR, False),
                },
                self.process_media,
                region_required=True,
            ),
            "DescribeTaskDetail": Action(
                {"TaskId": (STR, True)}, self.describe_task_detail, region_required=True
            ),
        }

    def process_media(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        info = params["InputInfo"]
        kind = info.get("Type")
        if kind not in ACCEPTED_INPUT_TYPES:
            raise ApiError("InvalidParameterValue.InputInfo", "InputInfo.Type must be URL, COS or VOD.")
        url = str((info.get("UrlInputInfo") or {}).get("Url") or "")
        if kind == "URL" and not url:
            raise ApiError("InvalidParameterValue.Url", "UrlInputInfo.Url is required for a URL input.")
        if kind == "URL" and not params.get("OutputStorage"):
            raise ApiError(
                "InvalidParameterValue.OutputStorage", "OutputStorage is required for a URL input."
            )
        task = params.get("AiRecognitionTask")
        if not task:
            raise ApiError("InvalidParameter", "This emulator only processes AiRecognitionTask.")
        definition = task.get("Definition")
        if not isinstance(definition, int) or definition <= 0:
            raise ApiError("InvalidParameterValue.Definition", "AiRecognitionTask.Definition is invalid.")
        recognition = RecognitionTask(
            task_id=TASK_ID_PREFIX + secrets.token_hex(16),
            url=url,
            definition=definition,
            created_at=time.time(),
            duration_s=self._duration_of(url),
            session_context=str(params.get("SessionContext") or ""),
            error=self._unreadable(url),
        )
        with self._lock:
            self._tasks[recognition.task_id] = recognition
        return {"TaskId": recognition.task_id}

    def describe_task_detail(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self._lock:
            task = self._tasks.get(params["TaskId"])
        if task is None:
            raise ApiError("InvalidParameterValue.TaskId", "The task does not exist.")
        finished = time.time() >= task.created_at + PROCESSING_SECONDS
        status = "FINISH" if finished else "PROCESSING"
        failed = finished and bool(task.error)
        return {
            "TaskType": "WorkflowTask",
            "Status": status,
            "CreateTime": _iso(task.created_at),
            "BeginProcessTime": _iso(task.created_at),
            "FinishTime": _iso(task.created_at + PROCESSING_SECONDS) if finished else "0000-00-00T00:00:00Z",
            "SessionContext": task.session_context,
            "WorkflowTask": {
                "TaskId": task.task_id,
                "Status": status,
                "ErrCode": SOURCE_ERROR if failed else 0,
                "Message": task.error if failed else "SUCCESS" if finished else "",
                "InputInfo": {"Type": "URL", "UrlInputInfo": {"Url": task.url}},
                "AiRecognitionResultSet": self._results(task) if finished and not failed else [],
            },
        }

    @staticmethod
    def _results(task: RecognitionTask) -> list[dict[str, Any]]:
        def result(kind: str, key: str, segments: list[dict[str, Any]]) -> dict[str, Any]:
            return {
                "Type": kind,
                key: {
                    "Status": "SUCCESS",
                    "ErrCode": 0,
                    "Message": "SUCCESS",
                    "Input": {"Definition": task.definition},
                    "Output": {"SegmentSet": segments},
                },
            }

        return [
            result("AsrFullTextRecognition", "AsrFullTextTask", asr_segments(task.duration_s)),
            result("OcrFullTextRecognition", "OcrFullTextTask", ocr_segments(task.duration_s)),
        ]

    def _unreadable(self, url: str) -> str:
        """Why MPS could not download `url` (one of our archived, unrestored VOD files), or ""."""
        parts = urlsplit(url).path.split("/")  # /vod/<app id>/<file id>/<name>
        if self.state is None or len(parts) < 5 or parts[1] != "vod":
            return ""
        with self.state.lock:
            media = self.state.media.get(parts[3])
            refused = media is not None and not playable(media, time.time())
        return (
            "Source file download failed: 403 Forbidden (the file is archived; restore it first)."
            if refused
            else ""
        )

    def _duration_of(self, url: str) -> float:
        """The real duration when the URL is one of our VOD files, else a plausible default."""
        path = urlsplit(url).path
        if not path.startswith("/vod/"):
            return DEFAULT_DURATION_S
        root = (self.config.data_dir / "vod").resolve()
        file = (root / path[len("/vod/") :]).resolve()
        if not file.is_relative_to(root) or not Path(file).is_file():
            return DEFAULT_DURATION_S
        try:
            return probe(file).duration_s or DEFAULT_DURATION_S
        except Exception:  # an unreadable file still gets a result, as MPS would for a partly readable one
            return DEFAULT_DURATION_S
