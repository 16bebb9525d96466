"""What a recording produces under a record template: its formats and where each goes (VOD or COS, and the
template's CosBucketPath). Read by the recorder from the templates `emulator.css.account` keeps in the state."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from emulator.state import EmulatorState

FORMATS = ("flv", "hls", "mp4", "aac", "mp3")
PARAM_OF = {fmt: f"{fmt.capitalize()}Param" for fmt in FORMATS}
DEFAULT_COS_PATH = "/record/{StreamID}/"
OUTPUT_ORDER = ("mp4", "hls", "flv", "aac", "mp3")


@dataclass(frozen=True)
class Output:
    """One file a recording produces: its format and where it goes (COS with the template's path)."""

    fmt: str
    storage: str  # "vod" or "cos"
    vod_sub_app_id: int = 0
    cos_path: str = ""


def template_outputs(state: EmulatorState, template_id: int) -> list[Output]:
    """The files a task of `template_id` records; without a template CSS records HLS to the VOD main app."""
    with state.lock:
        template = state.record_templates.get(template_id)
    if template is None:
        return [Output("hls", "vod")]
    outputs = [
        Output(
            fmt,
            "cos" if template["CosStore"] == 1 else "vod",
            vod_sub_app_id=template[PARAM_OF[fmt]]["VodSubAppId"],
            cos_path=template[PARAM_OF[fmt]]["CosBucketPath"],
        )
        for fmt in OUTPUT_ORDER
        if template[PARAM_OF[fmt]]["Enable"] == 1
    ]
    return outputs or [Output("hls", "vod")]


def expand_cos_path(
    path: str, *, stream_name: str, domain_name: str, app_name: str, task_id: str, at: float
) -> str:
    """A record template's CosBucketPath with its placeholders filled, without the leading slash."""
    moment = time.gmtime(at + 8 * 3600)  # CSS names files in Beijing time
    values = {
        "RecordSource": "origin",
        "Domain": domain_name,
        "AppName": app_name,
        "StreamID": stream_name,
        "RecordId": task_id[:16],
        "RandomID": f"{int(at * 1000) % 1_000_000:06d}",
        "StartYear": f"{moment.tm_year:04d}",
        "StartMonth": f"{moment.tm_mon:02d}",
        "StartDay": f"{moment.tm_mday:02d}",
        "StartHour": f"{moment.tm_hour:02d}",
        "StartMinute": f"{moment.tm_min:02d}",
        "StartSecond": f"{moment.tm_sec:02d}",
    }
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), match.group(0)), path).lstrip("/")


def cos_key(output: Output, *, basename: str, extension: str, **fields: str | float) -> str:
    """The object key of a COS recording: the expanded CosBucketPath, then the file name when the path is a
    folder (ends with /), else the path's last part is the name and only the extension is added."""
    path = expand_cos_path(output.cos_path or DEFAULT_COS_PATH, **fields)  # type: ignore[arg-type]
    return f"{path}{basename}.{extension}" if not path or path.endswith("/") else f"{path}.{extension}"
