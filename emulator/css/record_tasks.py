"""Record tasks (CreateRecordTask, StopRecordTask, DeleteRecordTask, DescribeRecordTask) and their limits.

Only the tasks are kept here; the `Recorder` turns an active task on a live push into files, so creating a task
asks for due recordings to start and stopping one finishes its recording.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from typing import Any

from emulator.config import EmulatorConfig
from emulator.css.streams import check_push_domain
from emulator.envelope import ApiError
from emulator.params import INT, STR, Action, RequestContext
from emulator.record_outputs import template_outputs
from emulator.recorder import Recorder
from emulator.state import EmulatorState, RecordTask

# Regions the CSS API is served in (Tencent's region list); anything else is refused like an unsupported region.
CSS_REGIONS = frozenset(
    {
        "ap-guangzhou",
        "ap-shanghai",
        "ap-nanjing",
        "ap-beijing",
        "ap-chengdu",
        "ap-chongqing",
        "ap-hongkong",
        "ap-singapore",
        "ap-jakarta",
        "ap-bangkok",
        "ap-mumbai",
        "ap-seoul",
        "ap-tokyo",
        "na-siliconvalley",
        "na-ashburn",
        "na-toronto",
        "sa-saopaulo",
        "eu-frankfurt",
        "eu-moscow",
    }
)
MAX_TASK_SPAN_S = 24 * 3600
MAX_TASK_AHEAD_S = 7 * 24 * 3600
MAX_OVERLAPPING_TASKS = 3
DESCRIBE_TASK_SPAN_S = 7 * 24 * 3600
TASK_PAGE_SIZE = 100


class RecordTasks:
    def __init__(
        self,
        *,
        config: EmulatorConfig,
        state: EmulatorState,
        recorder: Recorder,
        start_due_recordings: Callable[[], None],
        has_template: Callable[[int], bool],
    ) -> None:
        self.has_template = has_template
        self.config = config
        self.state = state
        self.recorder = recorder
        self.start_due_recordings = start_due_recordings

    def actions(self) -> dict[str, Action]:
        return {
            "CreateRecordTask": Action(
                {
                    "StreamName": (STR, True),
                    "DomainName": (STR, True),
                    "AppName": (STR, True),
                    "EndTime": (INT, True),
                    "StartTime": (INT, False),
                    "StreamType": (INT, False),
                    "TemplateId": (INT, False),
                    "Extension": (STR, False),
                },
                self.create_record_task,
                region_required=True,
            ),
            "StopRecordTask": Action({"TaskId": (STR, True)}, self.stop_record_task),
            "DeleteRecordTask": Action({"TaskId": (STR, True)}, self.delete_record_task),
            "DescribeRecordTask": Action(
                {
                    "StartTime": (INT, True),
                    "EndTime": (INT, True),
                    "StreamName": (STR, False),
                    "DomainName": (STR, False),
                    "AppName": (STR, False),
                    "ScrollToken": (STR, False),
                },
                self.describe_record_task,
            ),
        }

    def create_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        if ctx.region not in CSS_REGIONS:
            raise ApiError("UnsupportedRegion", f"CSS is not served in region {ctx.region!r}.")
        check_push_domain(self.config, params["DomainName"])
        self._check_template(params.get("TemplateId") or 0)
        now = int(time.time())
        start = params.get("StartTime") or now
        end = params["EndTime"]
        if end <= now or end <= start:
            raise ApiError(
                "InvalidParameter.InvalidTaskTime", "EndTime must be later than StartTime and now."
            )
        if end >= now + MAX_TASK_AHEAD_S:
            raise ApiError("InvalidParameter.InvalidTaskTime", "EndTime must be less than now + 7 days.")
        if end - start > MAX_TASK_SPAN_S:
            raise ApiError(
                "InvalidParameter.InvalidTaskTime", "EndTime - StartTime must not exceed 24 hours."
            )
        if params.get("StreamType", 0) not in (0, 1):
            raise ApiError("InvalidParameter", "StreamType must be 0 (push) or 1 (mixed stream).")
        stream_key = (params["DomainName"], params["AppName"], params["StreamName"])
        with self.state.mutate():
            overlapping = [
                task
                for task in self.state.record_tasks.values()
                if (task.domain_name, task.app_name, task.stream_name) == stream_key
                and not task.stopped
                and task.start_time < end
                and start < task.end_time
            ]
            if len(overlapping) >= MAX_OVERLAPPING_TASKS:
                raise ApiError(
                    "LimitExceeded.MaximumRunningTask",
                    f"At most {MAX_OVERLAPPING_TASKS} record tasks may overlap on one stream.",
                )
            task_id = base64.urlsafe_b64encode(secrets.token_bytes(40)).decode().rstrip("=")
            self.state.record_tasks[task_id] = RecordTask(
                task_id=task_id,
                domain_name=params["DomainName"],
                app_name=params["AppName"],
                stream_name=params["StreamName"],
                start_time=start,
                end_time=end,
                template_id=params.get("TemplateId") or 0,
                extension=params.get("Extension") or "",
                created_at=time.time(),
            )
        self.start_due_recordings()  # a stream already live is recorded from now on
        return {"TaskId": task_id}

    def _check_template(self, template_id: int) -> None:
        """The template must exist, and the VOD sub-application it records into too (an unknown template would
        silently record HLS into the VOD main application on Tencent; the strict emulator refuses it)."""
        if not template_id:
            return
        if not self.has_template(template_id):
            raise ApiError(
                "ResourceNotFound.TemplateNotExists", f"Record template {template_id} does not exist."
            )
        for output in template_outputs(self.state, template_id):
            sub_app = output.vod_sub_app_id
            if output.storage == "vod" and sub_app and sub_app != self.config.vod_subapp_id:
                raise ApiError(
                    "ResourceUnavailable.InvalidVodStatus",
                    f"The template records into VOD sub-application {sub_app}, which does not exist.",
                )

    def stop_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self.state.mutate():
            task = self._task(params["TaskId"])
            if not task.stopped:
                task.stopped = True
                task.stopped_at = time.time()
        self.recorder.finish(lambda recording: recording.task_id == task.task_id, time.time())
        return {}

    def delete_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        # Documented: deleting a task does not affect a recording already running; it only stops new ones.
        with self.state.mutate():
            self._task(params["TaskId"])
            del self.state.record_tasks[params["TaskId"]]
        return {}

    def describe_record_task(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        start, end = params["StartTime"], params["EndTime"]
        if end <= start or end - start > DESCRIBE_TASK_SPAN_S:
            raise ApiError(
                "InvalidParameter.InvalidTaskTime", "EndTime must be after StartTime, within a week."
            )
        offset = 0
        if params.get("ScrollToken"):
            try:
                offset = int(base64.urlsafe_b64decode(params["ScrollToken"].encode()).decode())
            except ValueError as exc:
                raise ApiError("InvalidParameter", "ScrollToken is not valid.") from exc
        with self.state.lock:
            tasks = [
                task
                for task in sorted(
                    self.state.record_tasks.values(), key=lambda task: (task.created_at, task.task_id)
                )
                if start <= task.start_time
                and task.end_time <= end
                and all(
                    params.get(name) in (None, "", getattr(task, attribute))
                    for name, attribute in (
                        ("StreamName", "stream_name"),
                        ("DomainName", "domain_name"),
                        ("AppName", "app_name"),
                    )
                )
            ]
        page = tasks[offset : offset + TASK_PAGE_SIZE]
        more = offset + TASK_PAGE_SIZE < len(tasks)
        return {
            "TaskList": [
                {
                    "TaskId": task.task_id,
                    "DomainName": task.domain_name,
                    "AppName": task.app_name,
                    "StreamName": task.stream_name,
                    "StartTime": task.start_time,
                    "EndTime": task.end_time,
                    "TemplateId": task.template_id,
                    "Stopped": 1 if task.stopped else 0,
                }
                for task in page
            ],
            "ScrollToken": base64.urlsafe_b64encode(str(offset + TASK_PAGE_SIZE).encode()).decode()
            if more
            else "",
        }

    def _task(self, task_id: str) -> RecordTask:
        task = self.state.record_tasks.get(task_id)
        if task is None:
            raise ApiError("ResourceNotFound.TaskId", "The TaskId does not exist.")
        return task
