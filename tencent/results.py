"""The gateway's own return types: frozen dataclasses, so no SDK model ever leaks out of `tencent/`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CallResult:
    request_id: str


@dataclass(frozen=True)
class ConcurrentCount:
    total: int
    running: int
    request_id: str


@dataclass(frozen=True)
class RecordTaskCreated:
    task_id: str
    request_id: str


@dataclass(frozen=True)
class RecordTask:
    task_id: str
    domain_name: str
    app_name: str
    stream_name: str
    start_time: datetime
    end_time: datetime
    template_id: int
    stopped: bool


@dataclass(frozen=True)
class OnlineStream:
    stream_name: str
    app_name: str
    domain_name: str
    publish_times: list[datetime]


@dataclass(frozen=True)
class PushSample:
    time: datetime
    resolution: str
    video_fps: float
    video_bps: int
    audio_bps: int
    video_codec: str
    audio_codec: str
    bandwidth_mbps: float
    flux_mb: float
    local_ts: int
    video_ts: int
    audio_ts: int


@dataclass(frozen=True)
class OnlinePushInfo:
    stream_name: str
    app_name: str
    domain_name: str
    video_fps: float
    video_bps: int
    audio_bps: int
    resolution: str


@dataclass(frozen=True)
class BandwidthPoint:
    time: datetime
    bandwidth_mbps: float
    flux_mb: float


@dataclass(frozen=True)
class BandwidthFlux:
    peak_mbps: float
    sum_flux_mb: float
    points: list[BandwidthPoint]


@dataclass(frozen=True)
class RecordStreamNumPoint:
    time: datetime
    num: int


@dataclass(frozen=True)
class VodMedia:
    file_id: str
    name: str
    create_time: datetime
    media_url: str
    cover_url: str
    stream_id: str
    record_start: datetime | None
    record_end: datetime | None
    size_bytes: int
    duration_s: float
    width: int
    height: int
    bitrate_bps: int
    container: str
    storage_class: str
    expire_time: datetime | None = None  # None: never expires ("9999-12-31T23:59:59Z")


@dataclass(frozen=True)
class MediaSearchPage:
    total: int
    items: list[VodMedia]


@dataclass(frozen=True)
class StorageData:
    total_storage_bytes: int
    request_id: str
    standard_bytes: int = 0
    infrequent_bytes: int = 0
    archive_bytes: int = 0
    deep_archive_bytes: int = 0


@dataclass(frozen=True)
class UsagePoint:
    """One interval of a usage series: bytes stored / retrieved / served, or bps, from `time` on."""

    time: datetime
    value: int


@dataclass(frozen=True)
class VodEvent:
    """An event of VOD's reliable queue; confirm `handle` within 30 s or it is pulled again."""

    handle: str
    event_type: str  # FileDeleted, RestoreMediaComplete, … (others are passed through untyped)
    file_ids: list[str]
    restore_tier: str = ""
    restore_day: int = 0  # 0: a permanent retrieval (the class changed)
    original_storage_class: str = ""
    target_storage_class: str = ""


@dataclass(frozen=True)
class CosObjectHead:
    key: str
    size_bytes: int
    etag: str
    storage_class: str
    restore_ongoing: bool  # a POST ?restore is still running
    restore_expires: datetime | None  # a restored copy is readable until then


@dataclass(frozen=True)
class CosObject:
    key: str
    size_bytes: int
    last_modified: datetime
    etag: str


@dataclass(frozen=True)
class CosListing:
    objects: list[CosObject]
    next_marker: str
    is_truncated: bool


@dataclass(frozen=True)
class PlayUrls:
    hls: str
    flv: str
    rtmp: str
    webrtc: str
    expires_at: datetime
