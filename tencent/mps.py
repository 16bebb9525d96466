"""MPS (API 2019-06-12): content recognition of a recording — speech (ASR) and on-screen text (OCR) with times.

`process_media_recognition` starts a workflow task with an `AiRecognitionTask` on a URL input (not retried: a
retry could start a second, billed task); `describe_task` reads its state and, once FINISH, the recognised
segments (DescribeTaskDetail, retried like every Describe*).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from tencentcloud.mps.v20190612 import models as mps_models
from tencentcloud.mps.v20190612 import mps_client

from tencent import timefmt
from tencent.clients import Service
from tencent.gateway import call_api

MPS = Service("mps", mps_client.MpsClient, mps_models)
# Tencent's preset AI recognition template (full-text ASR + OCR); a custom template id can be passed instead.
DEFAULT_RECOGNITION_DEFINITION = 10
OUTPUT_DIR = "/mps/recognition/"
RESULT_KEYS = {
    "AsrFullTextRecognition": ("asr", "AsrFullTextTask"),
    "OcrFullTextRecognition": ("ocr", "OcrFullTextTask"),
}


@dataclass(frozen=True)
class RecognitionSegment:
    source: str  # "asr" (speech) or "ocr" (on-screen text)
    start_s: float
    end_s: float
    text: str
    confidence: float


@dataclass(frozen=True)
class RecognitionTask:
    task_id: str
    status: str  # WAITING, PROCESSING or FINISH
    error_code: int
    message: str
    finished_at: datetime | None
    segments: list[RecognitionSegment]

    @property
    def is_finished(self) -> bool:
        return self.status == "FINISH"

    @property
    def failed(self) -> bool:
        return self.is_finished and self.error_code != 0


def process_media_recognition(
    *,
    input_url: str,
    definition: int = DEFAULT_RECOGNITION_DEFINITION,
    output_bucket: str | None = None,
    output_region: str | None = None,
    session_context: str = "",
) -> str:
    """Start recognition of the media at `input_url` (a URL MPS can fetch); returns the task id."""
    params: dict[str, Any] = {
        "InputInfo": {"Type": "URL", "UrlInputInfo": {"Url": input_url}},
        "OutputStorage": {
            "Type": "COS",
            "CosOutputStorage": {
                "Bucket": output_bucket or settings.COS_BUCKET,
                "Region": output_region or settings.COS_REGION,
            },
        },
        "OutputDir": OUTPUT_DIR,
        "AiRecognitionTask": {"Definition": definition},
    }
    if session_context:
        params["SessionContext"] = session_context
    response = call_api(MPS, "ProcessMedia", params)
    return str(response.get("TaskId") or "")


def _segments(result: dict[str, Any]) -> list[RecognitionSegment]:
    source, key = RESULT_KEYS.get(str(result.get("Type") or ""), ("", ""))
    task = result.get(key) or {}
    if not source or task.get("ErrCode"):
        return []
    segments = []
    for item in (task.get("Output") or {}).get("SegmentSet") or []:
        if source == "asr":
            texts = [str(item.get("Text") or "")]
            confidence = float(item.get("Confidence") or 0)
        else:
            lines = item.get("TextSet") or []
            texts = [str(line.get("Text") or "") for line in lines]
            confidence = min((float(line.get("Confidence") or 0) for line in lines), default=0.0)
        text = " · ".join(t.strip() for t in texts if t.strip())
        if text:
            segments.append(
                RecognitionSegment(
                    source=source,
                    start_s=float(item.get("StartTimeOffset") or 0),
                    end_s=float(item.get("EndTimeOffset") or 0),
                    text=text,
                    confidence=confidence,
                )
            )
    return segments


def describe_task(*, task_id: str) -> RecognitionTask:
    response = call_api(MPS, "DescribeTaskDetail", {"TaskId": task_id})
    workflow = response.get("WorkflowTask") or {}
    status = str(response.get("Status") or workflow.get("Status") or "")
    finish = str(response.get("FinishTime") or "")
    segments = [
        segment for result in workflow.get("AiRecognitionResultSet") or [] for segment in _segments(result)
    ]
    return RecognitionTask(
        task_id=task_id,
        status=status,
        error_code=int(workflow.get("ErrCode") or 0),
        message=str(workflow.get("Message") or ""),
        finished_at=timefmt.parse(finish)
        if status == "FINISH" and finish[:4].isdigit() and finish[:4] != "0000"
        else None,
        segments=sorted(segments, key=lambda s: (s.start_s, s.source)),
    )
