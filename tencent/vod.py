"""VOD (API 2018-07-17): the recorded media files. SubAppId is sent when settings.VOD_SUBAPP_ID is non-zero."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from tencent import timefmt
from tencent.clients import VOD
from tencent.gateway import call_api
from tencent.results import CallResult, MediaSearchPage, StorageData, VodMedia

DESCRIBE_BATCH = 20  # DescribeMediaInfos takes at most 20 FileIds


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
    )


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
    )
