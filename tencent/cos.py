"""COS (cos-python-sdk-v5), bucket settings.COS_BUCKET: recordings stored as objects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings

from tencent import timefmt
from tencent.clients import cos_client
from tencent.errors import TencentError
from tencent.gateway import execute
from tencent.results import CosListing, CosObject, CosObjectHead

SERVICE = "cos"
MAX_KEYS = 1000
STORAGE_CLASSES = ("STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE")
# POST Object restore's modes per archive class, with the upper bound of their documented time (436/12633).
RESTORE_TIERS = {
    "ARCHIVE": {"Expedited": 5 * 60, "Standard": 5 * 3600, "Bulk": 12 * 3600},
    "DEEP_ARCHIVE": {"Standard": 24 * 3600, "Bulk": 48 * 3600},
}
_RESTORE = re.compile(r'ongoing-request="(true|false)"(?:,\s*expiry-date="([^"]+)")?')


def _cos_request_id(headers: Any) -> str:
    if isinstance(headers, dict):
        return str(headers.get("x-cos-request-id") or headers.get("X-Cos-Request-Id") or "")
    return ""


def list_objects(*, prefix: str = "", marker: str = "", max_keys: int = MAX_KEYS) -> CosListing:
    """One page of the bucket's objects under `prefix`, after `marker` (max_keys ≤ 1000)."""
    params = {
        "Bucket": settings.COS_BUCKET,
        "Prefix": prefix,
        "Marker": marker,
        "MaxKeys": min(max_keys, MAX_KEYS),
    }
    response: dict[str, Any] = execute(
        service=SERVICE,
        action="ListObjects",
        params=params,
        invoke=lambda: cos_client().list_objects(**params),
        request_id_of=lambda _: "",  # the listing body carries no request id
    )
    objects = [
        CosObject(
            key=str(item["Key"]),
            size_bytes=int(item.get("Size") or 0),
            last_modified=timefmt.parse(item["LastModified"]),
            etag=str(item.get("ETag") or "").strip('"'),
        )
        for item in response.get("Contents") or []
    ]
    truncated = str(response.get("IsTruncated", "false")).lower() == "true"
    next_marker = str(response.get("NextMarker") or "")
    if truncated and not next_marker and objects:
        next_marker = objects[-1].key  # COS omits NextMarker when no delimiter is given
    return CosListing(objects=objects, next_marker=next_marker, is_truncated=truncated)


def list_all_objects(*, prefix: str = "") -> Iterator[CosObject]:
    marker = ""
    while True:
        page = list_objects(prefix=prefix, marker=marker)
        yield from page.objects
        if not page.is_truncated or not page.next_marker:
            return
        marker = page.next_marker


def presigned_get_url(*, key: str, expires_s: int = 900) -> str:
    """A URL a browser can GET for `expires_s` seconds. Signed locally by the SDK: no API call, no log row."""
    return str(
        cos_client().get_presigned_url(Bucket=settings.COS_BUCKET, Key=key, Method="GET", Expired=expires_s)
    )


def delete_object(*, key: str) -> None:
    params = {"Bucket": settings.COS_BUCKET, "Key": key}
    execute(
        service=SERVICE,
        action="DeleteObject",
        params=params,
        invoke=lambda: cos_client().delete_object(**params),
        request_id_of=_cos_request_id,
    )


def _header(headers: dict[str, Any], name: str) -> str:
    lowered = {str(key).lower(): value for key, value in headers.items()}
    return str(lowered.get(name) or "")


def head_object(*, key: str) -> CosObjectHead:
    """The object's class and restore state (HEAD answers for archived objects too)."""
    params = {"Bucket": settings.COS_BUCKET, "Key": key}
    headers: dict[str, Any] = execute(
        service=SERVICE,
        action="HeadObject",
        params=params,
        invoke=lambda: cos_client().head_object(**params),
        request_id_of=_cos_request_id,
    )
    restore = _RESTORE.search(_header(headers, "x-cos-restore"))
    expires = restore.group(2) if restore else None
    return CosObjectHead(
        key=key,
        size_bytes=int(_header(headers, "content-length") or 0),
        etag=_header(headers, "etag").strip('"'),
        # COS leaves the header out for STANDARD.
        storage_class=_header(headers, "x-cos-storage-class") or "STANDARD",
        restore_ongoing=bool(restore and restore.group(1) == "true"),
        restore_expires=parsedate_to_datetime(expires) if expires else None,
    )


def set_object_storage_class(*, key: str, storage_class: str) -> None:
    """Change an object's class by copying it onto itself (PUT Object - Copy). An archived object must be
    restored first (InvalidObjectState)."""
    if storage_class not in STORAGE_CLASSES:
        raise ValueError(f"unknown storage class {storage_class!r}")
    source = {"Bucket": settings.COS_BUCKET, "Key": key, "Region": settings.COS_REGION}
    params = {"Bucket": settings.COS_BUCKET, "Key": key, "StorageClass": storage_class}
    try:
        execute(
            service=SERVICE,
            action="CopyObject",
            params=params,
            invoke=lambda: cos_client().copy_object(CopySource=source, CopyStatus="Copy", **params),
            request_id_of=_cos_request_id,
        )
    except TencentError as exc:
        # COS refuses to copy an object onto itself without a change: after an answer lost on the way (the gateway
        # asks again, or the daily run does) the object is already in the class, which is what was asked.
        if not exc.is_code("InvalidRequest") or head_object(key=key).storage_class != storage_class:
            raise


def restore_object(*, key: str, days: int, tier: str) -> None:
    """Start a restore of an archived object: readable for `days` days after the tier's time (RESTORE_TIERS)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    params = {
        "Bucket": settings.COS_BUCKET,
        "Key": key,
        "RestoreRequest": {"Days": days, "CASJobParameters": {"Tier": tier}},
    }
    execute(
        service=SERVICE,
        action="RestoreObject",
        params=params,
        invoke=lambda: cos_client().restore_object(**params),
        request_id_of=lambda _: "",  # the SDK returns nothing for a restore
    )
