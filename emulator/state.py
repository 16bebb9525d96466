"""The emulator's in-memory world (CAR concurrencies, CSS tasks and pushes, VOD media, COS objects, usage
counters), guarded by one re-entrant lock and optionally persisted as a JSON snapshot.

Handlers change it inside `with state.mutate():`, which saves the snapshot when the block ends. Running
processes (ffmpeg pushes, recorders) are not state: after a restart every stream is offline.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MAX_PUSH_SAMPLES = 50_000
MAX_ENDED_PUSHES = 1_000


@dataclass
class Concurrency:
    user_id: str
    user_ip: str
    project_id: str
    application_id: str
    applied_at: float
    server_session: str = ""
    session_created_at: float | None = None
    publishing: bool = False
    application_parameters: str = ""


@dataclass
class RecordTask:
    task_id: str
    domain_name: str
    app_name: str
    stream_name: str
    start_time: int
    end_time: int
    template_id: int
    extension: str
    created_at: float
    stopped: bool = False
    stopped_at: float | None = None


@dataclass
class Push:
    """One push of a stream, from its start to its end (ended_at None = still live)."""

    domain_name: str
    app_name: str
    stream_name: str
    sequence: str
    started_at: float
    user_ip: str
    stream_param: str
    ended_at: float | None = None
    # What the push shows: "test picture", "rendered page <url>", or "test picture: <why a WEB page was not>".
    picture: str = "test picture"


@dataclass
class PushSample:
    at: float
    domain_name: str
    app_name: str
    stream_name: str
    sequence: str
    begin_push_time: float
    video_bps: int
    audio_bps: int
    fps: float
    width: int
    height: int
    video_codec: str
    audio_codec: str
    flux_bytes: float
    interval_s: float


@dataclass
class VodMedia:
    file_id: str
    name: str
    create_time: float
    media_url: str
    cover_url: str
    domain_name: str
    app_name: str
    stream_id: str
    record_start: float
    record_end: float
    size_bytes: int
    duration_s: float
    width: int
    height: int
    bitrate_bps: int
    container: str
    paths: list[str]
    task_id: str = ""
    storage_class: str = "STANDARD"
    # Storage lifecycle (emulator/vod_storage.py): when the file entered its class (minimum durations count from
    # there), its ExpireTime (None = never), a class change waiting for its retrieval, and a temporary restore.
    class_since: float = 0.0
    expire_time: float | None = None
    pending_class: str = ""
    pending_ready_at: float = 0.0
    restore_tier: str = ""
    restore_ready_at: float | None = None
    restore_until: float | None = None


@dataclass
class CosObject:
    key: str
    path: str
    size_bytes: int
    last_modified: float
    etag: str
    # Storage lifecycle (emulator/cos_storage.py): class, since when, and a POST ?restore's temporary copy.
    storage_class: str = "STANDARD"
    class_since: float = 0.0
    restore_ready_at: float | None = None
    restore_until: float | None = None


@dataclass
class Usage:
    """Per-minute counters (keys: unix minute start) behind the CSS usage APIs."""

    upstream_bytes: dict[str, dict[int, float]] = field(default_factory=dict)  # push domain → minute → bytes
    downstream_bytes: dict[str, dict[int, float]] = field(
        default_factory=dict
    )  # play domain → minute → bytes
    recording_streams: dict[int, int] = field(default_factory=dict)  # minute → peak concurrent recordings

    def add(self, table: dict[str, dict[int, float]], domain: str, at: float, amount: float) -> None:
        minute = int(at // 60 * 60)
        per_domain = table.setdefault(domain, {})
        per_domain[minute] = per_domain.get(minute, 0.0) + amount

    def note_recordings(self, at: float, count: int) -> None:
        minute = int(at // 60 * 60)
        self.recording_streams[minute] = max(self.recording_streams.get(minute, 0), count)


class EmulatorState:
    def __init__(self, snapshot_path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.snapshot_path = snapshot_path
        self.concurrencies: dict[str, Concurrency] = {}  # by UserId
        self.record_tasks: dict[str, RecordTask] = {}
        self.pushes: list[Push] = []
        self.push_samples: list[PushSample] = []
        self.media: dict[str, VodMedia] = {}
        self.cos_objects: dict[str, CosObject] = {}
        self.usage = Usage()
        # The account's CSS setup, in Tencent's response shapes (RecordTemplateInfo, CallBackTemplateInfo, …).
        self.record_templates: dict[int, dict[str, Any]] = {}
        self.callback_templates: dict[int, dict[str, Any]] = {}
        self.callback_rules: list[dict[str, Any]] = []
        # Storage lifecycle bookkeeping in plain JSON (early deletions, retrievals, VOD events, CDN bytes).
        self.lifecycle: dict[str, Any] = {}
        self.counter = 0
        if snapshot_path is not None and snapshot_path.exists():
            self._load(json.loads(snapshot_path.read_text()))

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    @contextlib.contextmanager
    def mutate(self) -> Iterator[None]:
        with self.lock:
            yield
            self.save()

    def online_push(self, domain_name: str, app_name: str, stream_name: str) -> Push | None:
        with self.lock:
            for push in reversed(self.pushes):
                if (push.domain_name, push.app_name, push.stream_name) == (
                    domain_name,
                    app_name,
                    stream_name,
                ):
                    return push if push.ended_at is None else None
            return None

    def online_pushes(self) -> list[Push]:
        with self.lock:
            return [push for push in self.pushes if push.ended_at is None]

    def add_push(self, push: Push) -> None:
        """Remember a push; only the latest MAX_ENDED_PUSHES ended ones are kept."""
        with self.lock:
            self.pushes.append(push)
            ended = [item for item in self.pushes if item.ended_at is not None]
            for item in ended[: max(0, len(ended) - MAX_ENDED_PUSHES)]:
                self.pushes.remove(item)

    def add_sample(self, sample: PushSample) -> None:
        with self.lock:
            self.push_samples.append(sample)
            del self.push_samples[:-MAX_PUSH_SAMPLES]

    def reset(self) -> None:
        with self.mutate():
            self._load({})

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "counter": self.counter,
                "concurrencies": [asdict(item) for item in self.concurrencies.values()],
                "record_tasks": [asdict(item) for item in self.record_tasks.values()],
                "pushes": [asdict(item) for item in self.pushes],
                "media": [asdict(item) for item in self.media.values()],
                "cos_objects": [asdict(item) for item in self.cos_objects.values()],
                "record_templates": list(self.record_templates.values()),
                "callback_templates": list(self.callback_templates.values()),
                "callback_rules": list(self.callback_rules),
                "lifecycle": self.lifecycle,
                "usage": {
                    "upstream_bytes": self.usage.upstream_bytes,
                    "downstream_bytes": self.usage.downstream_bytes,
                    "recording_streams": self.usage.recording_streams,
                },
            }

    def save(self) -> None:
        if self.snapshot_path is None:
            return
        with self.lock:
            data = self.to_dict()
            data["push_samples"] = [asdict(item) for item in self.push_samples[-2000:]]
            self.snapshot_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.snapshot_path.with_suffix(".tmp")
            temporary.write_text(json.dumps(data))
            temporary.replace(self.snapshot_path)

    def _load(self, data: dict[str, Any]) -> None:
        self.counter = data.get("counter", 0)
        self.concurrencies = {
            item["user_id"]: Concurrency(**{**item, "publishing": False})
            for item in data.get("concurrencies", [])
        }
        self.record_tasks = {item["task_id"]: RecordTask(**item) for item in data.get("record_tasks", [])}
        # A push cannot survive a restart: whatever was live ended when the emulator stopped.
        self.pushes = [Push(**item) for item in data.get("pushes", [])]
        for push in self.pushes:
            if push.ended_at is None:
                push.ended_at = push.started_at
        self.push_samples = [PushSample(**item) for item in data.get("push_samples", [])]
        self.media = {item["file_id"]: VodMedia(**item) for item in data.get("media", [])}
        self.cos_objects = {item["key"]: CosObject(**item) for item in data.get("cos_objects", [])}
        self.record_templates = {item["TemplateId"]: item for item in data.get("record_templates", [])}
        self.callback_templates = {item["TemplateId"]: item for item in data.get("callback_templates", [])}
        self.callback_rules = list(data.get("callback_rules", []))
        self.lifecycle = dict(data.get("lifecycle", {}))
        usage = data.get("usage", {})
        self.usage = Usage(
            upstream_bytes=_int_keys(usage.get("upstream_bytes", {})),
            downstream_bytes=_int_keys(usage.get("downstream_bytes", {})),
            recording_streams={int(k): v for k, v in usage.get("recording_streams", {}).items()},
        )


def _int_keys(table: dict[str, dict[str, float]]) -> dict[str, dict[int, float]]:
    return {domain: {int(minute): value for minute, value in rows.items()} for domain, rows in table.items()}
