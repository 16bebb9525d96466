"""COS (cos-python-sdk-v5), bucket settings.COS_BUCKET: recordings stored as objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings

from tencent import timefmt
from tencent.clients import cos_client
from tencent.gateway import execute
from tencent.results import CosListing, CosObject

SERVICE = "cos"
MAX_KEYS = 1000


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
