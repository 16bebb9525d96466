"""VOD (API 2018-07-17): the recorded media files. SubAppId is sent when settings.VOD_SUBAPP_ID is non-zero."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from tencent import timefmt
from tencent.clients import VOD
from tencent.errors import TencentError
from tencent.gateway import call_api
from tencent.results import CallResult, MediaSearchPage, StorageData, UsagePoint, VodEvent, VodMedia

DESCRIBE_BATCH = 20  # DescribeMediaInfos takes at most 20 FileIds
FILE_IDS_PER_CALL = 100  # ModifyMediaStorageClass and RestoreMedia take at most 100 FileIds
NEVER_EXPIRES = "9999-12-31T23:59:59Z"  # ModifyMediaInfo's ExpireTime meaning "never"
STORAGE_CLASSES = ("STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE")
# Retrieval modes per archive class and their documented duration (RestoreMedia, SDK model).
RESTORE_TIERS = {
    "ARCHIVE": {"Expedited": 5 * 60, "Standard": 5 * 3600, "Bulk": 12 * 3600},
    "DEEP_ARCHIVE": {"Standard": 24 * 3600, "Bulk": 48 * 3600},
}


def _with_subapp(params: dict[str, Any]) -> dict[str, Any]:
    if settings.VOD_SUBAPP_ID:
        return {**params, "SubAppId": settings.VOD_SUBAPP_ID}
    return params


def _media(item: dict[str, Any]) -> VodMedia:
    basic = item.get("BasicInfo") or {}
    meta = item.get("MetaData") or {}
    live = (basic.get("SourceInfo") or {}).get("LiveRecordInfo") or {}
    return VodMedia(
        file_id=str(item.get("FileId") or ""),
        name=str(basic.get("Name") or ""),
        create_time=timefmt.parse(basic.get("CreateTime") or 0),
        media_url=str(basic.get("MediaUrl") or ""),
        cover_url=str(basic.get("CoverUrl") or ""),
        stream_id=str(live.get("StreamId") or ""),
        record_start=timefmt.parse_optional(live.get("RecordStartTime")),
        record_end=timefmt.parse_optional(live.get("RecordEndTime")),
        size_bytes=int(meta.get("Size") or 0),
        duration_s=float(meta.get("Duration") or 0),
        width=int(meta.get("Width") or 0),
        height=int(meta.get("Height") or 0),
        bitrate_bps=int(meta.get("Bitrate") or 0),
        container=str(meta.get("Container") or ""),
        storage_class=str(basic.get("StorageClass") or ""),
        expire_time=_expiry(basic.get("ExpireTime")),
    )


def _expiry(value: Any) -> datetime | None:
    if not value or str(value).startswith("9999-"):
        return None
    return timefmt.parse(value)


def _file_ids(file_ids: list[str]) -> list[str]:
    ids = list(dict.fromkeys(file_ids))
    if not 1 <= len(ids) <= FILE_IDS_PER_CALL:
        raise ValueError(f"1 to {FILE_IDS_PER_CALL} FileIds per call, got {len(ids)}")
    return ids


def search_media(
    *,
    stream_ids: list[str] | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> MediaSearchPage:
    """One page of media, newest first (Offset + Limit ≤ 5000)."""
    params: dict[str, Any] = {
        "Offset": offset,
        "Limit": limit,
        "Sort": {"Field": "CreateTime", "Order": "Desc"},
    }
    if stream_ids:
        params["StreamIds"] = list(stream_ids)
    created: dict[str, str] = {}
    if created_after is not None:
        created["After"] = timefmt.to_iso_utc(created_after)
    if created_before is not None:
        created["Before"] = timefmt.to_iso_utc(created_before)
    if created:
        params["CreateTime"] = created
    response = call_api(VOD, "SearchMedia", _with_subapp(params))
    return MediaSearchPage(
        total=int(response.get("TotalCount") or 0),
        items=[_media(item) for item in response.get("MediaInfoSet") or []],
    )


def describe_media_infos(*, file_ids: list[str]) -> list[VodMedia]:
    """Details of the given files (asked for in batches of 20); files that no longer exist are left out."""
    media: list[VodMedia] = []
    for start in range(0, len(file_ids), DESCRIBE_BATCH):
        batch = list(file_ids[start : start + DESCRIBE_BATCH])
        response = call_api(VOD, "DescribeMediaInfos", _with_subapp({"FileIds": batch}))
        media.extend(_media(item) for item in response.get("MediaInfoSet") or [])
    return media


def delete_media(*, file_id: str) -> CallResult:
    response = call_api(VOD, "DeleteMedia", _with_subapp({"FileId": file_id}))
    return CallResult(request_id=str(response.get("RequestId") or ""))


def describe_storage_data() -> StorageData:
    response = call_api(VOD, "DescribeStorageData", _with_subapp({}))
    return StorageData(
        total_storage_bytes=int(response.get("TotalStorage") or 0),
        request_id=str(response.get("RequestId") or ""),
        standard_bytes=int(response.get("StandardStorage") or 0),
        infrequent_bytes=int(response.get("InfrequentStorage") or 0),
        archive_bytes=int(response.get("ArchiveStorage") or 0),
        deep_archive_bytes=int(response.get("DeepArchiveStorage") or 0),
    )


# --- storage lifecycle -----------------------------------------------------------------------------------------


def modify_media_storage_class(
    *, file_ids: list[str], storage_class: str, restore_tier: str = ""
) -> CallResult:
    """Move files to `storage_class`. Out of ARCHIVE / DEEP_ARCHIVE (to STANDARD only) it is a retrieval that
    needs `restore_tier` and takes that tier's time; the class reads as before until it is done."""
    if storage_class not in STORAGE_CLASSES:
        raise ValueError(f"unknown storage class {storage_class!r}")
    params: dict[str, Any] = {"FileIds": _file_ids(file_ids), "StorageClass": storage_class}
    if restore_tier:
        params["RestoreTier"] = restore_tier
    try:
        response = call_api(VOD, "ModifyMediaStorageClass", _with_subapp(params))
    except TencentError as exc:
        # Tencent refuses a change to the class a file is already in. After an answer lost on the way (the gateway
        # asks again, or the daily run does) that is what success looks like: the files are where they should be.
        if not exc.is_code("InvalidParameterValue.StorageClass") or restore_tier:
            raise
        if any(media.storage_class != storage_class for media in describe_media_infos(file_ids=file_ids)):
            raise
        return CallResult(request_id=exc.request_id)
    return CallResult(request_id=str(response.get("RequestId") or ""))


def set_media_expiry(*, file_id: str, expire_at: datetime | None) -> CallResult:
    """Tencent deletes the file (and everything made from it) at `expire_at`; None clears the expiry."""
    expire_time = NEVER_EXPIRES if expire_at is None else timefmt.to_iso_utc(expire_at)
    params = {"FileId": file_id, "ExpireTime": expire_time}
    response = call_api(VOD, "ModifyMediaInfo", _with_subapp(params))
    return CallResult(request_id=str(response.get("RequestId") or ""))


def restore_media(*, file_ids: list[str], restore_day: int, restore_tier: str) -> CallResult:
    """Make archived files playable for `restore_day` days, after the tier's delay (RESTORE_TIERS); completion
    arrives as a RestoreMediaComplete event (pull_events)."""
    if restore_day < 1:
        raise ValueError("restore_day must be at least 1")
    params = {"FileIds": _file_ids(file_ids), "RestoreDay": restore_day, "RestoreTier": restore_tier}
    response = call_api(VOD, "RestoreMedia", _with_subapp(params))
    return CallResult(request_id=str(response.get("RequestId") or ""))


def enable_event_queue(*, file_deleted: bool = True) -> CallResult:
    """Events by the reliable queue (PULL), FileDeleted included: how the console learns what Tencent deleted."""
    params = {"Mode": "PULL", "DeleteMediaCompleteEventSwitch": "ON" if file_deleted else "OFF"}
    response = call_api(VOD, "ModifyEventConfig", _with_subapp(params))
    return CallResult(request_id=str(response.get("RequestId") or ""))


def describe_event_config() -> dict[str, str]:
    """Mode (PUSH | PULL), NotificationUrl and the ON/OFF event switches of the VOD application."""
    response = call_api(VOD, "DescribeEventConfig", _with_subapp({}))
    return {key: str(value) for key, value in response.items() if key != "RequestId" and value is not None}


def _event(item: dict[str, Any]) -> VodEvent:
    deleted = item.get("FileDeleteEvent") or {}
    restored = item.get("RestoreMediaCompleteEvent") or {}
    file_ids = [str(file_id) for file_id in deleted.get("FileIdSet") or []]
    if restored.get("FileId"):
        file_ids.append(str(restored["FileId"]))
    return VodEvent(
        handle=str(item.get("EventHandle") or ""),
        event_type=str(item.get("EventType") or ""),
        file_ids=file_ids,
        restore_tier=str(restored.get("RestoreTier") or ""),
        restore_day=int(restored.get("RestoreDay") or 0),
        original_storage_class=str(restored.get("OriginalStorageClass") or ""),
        target_storage_class=str(restored.get("TargetStorageClass") or ""),
    )


def pull_events() -> list[VodEvent]:
    """Up to 16 waiting events; the call may wait up to 5 s when none waits. Confirm each within 30 s."""
    response = call_api(VOD, "PullEvents", _with_subapp({}))
    return [_event(item) for item in response.get("EventSet") or []]


def confirm_events(*, handles: list[str]) -> CallResult:
    response = call_api(VOD, "ConfirmEvents", _with_subapp({"EventHandles": list(handles)}))
    return CallResult(request_id=str(response.get("RequestId") or ""))


def _points(response: dict[str, Any]) -> list[UsagePoint]:
    return [
        UsagePoint(time=timefmt.parse(item["Time"]), value=int(item.get("Value") or 0))
        for item in response.get("Data") or []
    ]


def describe_storage_details(
    *, storage_type: str, start: datetime, end: datetime, area: str, interval: str = "Day"
) -> list[UsagePoint]:
    """A storage series in bytes: a class's stored bytes, `Deleted*Storage` (billed for early deletion) or
    `*Retrieval`. `area` is "Chinese Mainland" or "Outside Chinese Mainland" (Tencent's default is the former)."""
    params = {
        "StartTime": timefmt.to_iso_utc(start),
        "EndTime": timefmt.to_iso_utc(end),
        "StorageType": storage_type,
        "Area": area,
        "Interval": interval,
    }
    return _points(call_api(VOD, "DescribeStorageDetails", _with_subapp(params)))


def describe_cdn_usage(*, start: datetime, end: datetime, interval_minutes: int = 1440) -> list[UsagePoint]:
    """Bytes VOD's CDN served (playback of recorded files) per interval (5, 60 or 1440 minutes)."""
    params = {
        "StartTime": timefmt.to_iso_utc(start),
        "EndTime": timefmt.to_iso_utc(end),
        "DataType": "Flux",
        "DataInterval": interval_minutes,
    }
    return _points(call_api(VOD, "DescribeCDNUsageData", _with_subapp(params)))
