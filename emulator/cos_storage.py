"""COS storage classes and restore for the recording bucket (XML API), as documented:

- PUT Object takes `x-cos-storage-class` (STANDARD | STANDARD_IA | ARCHIVE | DEEP_ARCHIVE; the multi-AZ and
  intelligent-tiering classes need a bucket configured for them, which the emulated one is not → InvalidArgument).
- PUT Object - Copy (`x-cos-copy-source`) onto the same key changes an object's class. The copy gets the class
  named in `x-cos-storage-class`, STANDARD when none is named. Copying an object onto itself without changing its
  class or replacing its metadata is refused (InvalidRequest). An ARCHIVE / DEEP_ARCHIVE source must be restored
  first (InvalidObjectState).
- Archived objects refuse GET (403 InvalidObjectState) until restored; HEAD answers and shows
  `x-cos-storage-class` (omitted for STANDARD, the harsher reading: a reader must default it) and `x-cos-restore`:
  `ongoing-request="true"` while restoring, `ongoing-request="false", expiry-date="…"` once readable.
- POST Object restore (API 436/12633): `<RestoreRequest><Days/><CASJobParameters><Tier/></CASJobParameters>`.
  ARCHIVE: Expedited 1 to 5 min, Standard 3 to 5 h, Bulk 5 to 12 h; DEEP_ARCHIVE: Standard 12 to 24 h, Bulk 24 to 48 h. The
  emulator takes the upper bound times `restore_time_scale`. 202 when a restore starts, 200 when a restored copy's
  time is renewed, 409 RestoreAlreadyInProgress while one runs, 403 InvalidObjectState for a class that is not
  archived.
- Minimum storage durations (COS billing, 436/40099): STANDARD_IA 30 days, ARCHIVE 90, DEEP_ARCHIVE 180. An object
  that leaves its class earlier (deleted, overwritten, copied to another class) is booked in
  `state.lifecycle["cos_ledger"]` for the remaining days; restores, and reads of STANDARD_IA objects, are booked as
  retrievals.
"""

from __future__ import annotations

import hashlib
import time
import xml.etree.ElementTree as ET
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from emulator.config import EmulatorConfig
from emulator.envelope import new_request_id
from emulator.replies import Reply
from emulator.state import CosObject, EmulatorState

DAY = 86_400
CLASSES = ("STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE")
ARCHIVES = frozenset({"ARCHIVE", "DEEP_ARCHIVE"})
MINIMUM_DAYS = {"STANDARD_IA": 30, "ARCHIVE": 90, "DEEP_ARCHIVE": 180}
RESTORE_SECONDS = {
    "ARCHIVE": {"Expedited": 5 * 60, "Standard": 5 * 3600, "Bulk": 12 * 3600},
    "DEEP_ARCHIVE": {"Standard": 24 * 3600, "Bulk": 48 * 3600},
}
MAX_RESTORE_DAYS = 365


# The HTTP status COS answers an error code with (COS XML API error codes), for injected faults; any other code
# is a 400, as most request errors are.
FAULT_STATUS = {
    "SlowDown": 503,
    "ServiceUnavailable": 503,
    "InternalError": 500,
    "AccessDenied": 403,
    "InvalidObjectState": 403,
    "NoSuchKey": 404,
    "NoSuchBucket": 404,
    "RestoreAlreadyInProgress": 409,
}


def fault_status(code: str) -> int:
    return FAULT_STATUS.get(code, 400)


def cos_action(method: str, key: str, query: dict[str, list[str]], headers: dict[str, str]) -> str:
    """The SDK's name of a COS request (what the console's gateway logs and faults are keyed by)."""
    if not key:
        return "ListObjects"
    if method == "POST" and "restore" in query:
        return "RestoreObject"
    if method == "PUT":
        return "CopyObject" if "x-cos-copy-source" in headers else "PutObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, method)


def readable(item: CosObject, now: float) -> bool:
    if item.storage_class not in ARCHIVES:
        return True
    return item.restore_ready_at is not None and item.restore_ready_at <= now < (item.restore_until or 0)


def storage_headers(item: CosObject, now: float) -> dict[str, str]:
    headers: dict[str, str] = {}
    if item.storage_class != "STANDARD":
        headers["x-cos-storage-class"] = item.storage_class
    if item.restore_ready_at is not None and item.restore_until is not None and now < item.restore_until:
        if item.restore_ready_at > now:
            headers["x-cos-restore"] = 'ongoing-request="true"'
        else:
            expiry = formatdate(item.restore_until, usegmt=True)
            headers["x-cos-restore"] = f'ongoing-request="false", expiry-date="{expiry}"'
    return headers


class StorageError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class CosStorage:
    def __init__(self, *, config: EmulatorConfig, state: EmulatorState, root: Path) -> None:
        self.config = config
        self.state = state
        self.root = root

    # --- PUT Object / PUT Object - Copy ----------------------------------------------------------------------

    def put(self, *, key: str, headers: dict[str, str], body: bytes) -> Reply:
        storage_class = self._storage_class(headers)
        now = time.time()
        source_header = headers.get("x-cos-copy-source")
        if source_header is None:
            return self._store(key=key, storage_class=storage_class, data=body, now=now, copy=False)
        source_key = self._source_key(source_header)
        with self.state.lock:
            source = self.state.cos_objects.get(source_key)
        if source is None:
            raise StorageError(404, "NoSuchKey", "The specified copy source does not exist.")
        if not readable(source, now):
            raise StorageError(403, "InvalidObjectState", "The copy source is archived: restore it first.")
        replaced = headers.get("x-cos-metadata-directive", "Copy") == "Replaced"
        if source_key == key and storage_class == source.storage_class and not replaced:
            raise StorageError(
                400,
                "InvalidRequest",
                "This copy request is illegal because it copies an object onto itself without changing its "
                "storage class or metadata.",
            )
        data = (self.config.data_dir / source.path).read_bytes()
        return self._store(key=key, storage_class=storage_class, data=data, now=now, copy=True)

    def _store(self, *, key: str, storage_class: str, data: bytes, now: float, copy: bool) -> Reply:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".upload")
        temporary.write_bytes(data)
        temporary.replace(target)
        etag = hashlib.md5(data).hexdigest()
        item = CosObject(
            key=key,
            path=str(target.relative_to(self.config.data_dir)),
            size_bytes=len(data),
            last_modified=now,
            etag=etag,
            storage_class=storage_class,
            class_since=now,
        )
        with self.state.mutate():
            previous = self.state.cos_objects.get(key)
            if previous is not None:
                self.book_exit(previous, now)
            self.state.cos_objects[key] = item
        headers = {"ETag": f'"{etag}"', "x-cos-request-id": new_request_id()}
        if not copy:
            return Reply(200, headers)
        modified = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now))
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<CopyObjectResult>'
            f"<ETag>&quot;{etag}&quot;</ETag><LastModified>{modified}</LastModified>"
            "</CopyObjectResult>"
        )
        return Reply(200, {**headers, "Content-Type": "application/xml"}, body.encode())

    # --- POST Object restore ---------------------------------------------------------------------------------

    def restore(self, *, key: str, body: bytes) -> Reply:
        days, tier = self._restore_request(body)
        now = time.time()
        with self.state.mutate():
            item = self.state.cos_objects.get(key)
            if item is None:
                raise StorageError(404, "NoSuchKey", "The specified key does not exist.")
            if item.storage_class not in ARCHIVES:
                raise StorageError(
                    403,
                    "InvalidObjectState",
                    f"Restore is not allowed for the storage class {item.storage_class}.",
                )
            tiers = RESTORE_SECONDS[item.storage_class]
            if tier not in tiers:
                raise StorageError(
                    400,
                    "InvalidArgument",
                    f"{item.storage_class} is restored with {' | '.join(tiers)}, not {tier}.",
                )
            if item.restore_ready_at is not None and item.restore_ready_at > now:
                raise StorageError(409, "RestoreAlreadyInProgress", "Object restore is already in progress.")
            self._ledger().append(
                {
                    "kind": "retrieval",
                    "class": item.storage_class,
                    "tier": tier,
                    "bytes": item.size_bytes,
                    "at": now,
                }
            )
            if readable(item, now):
                item.restore_until = (
                    now + days * DAY
                )  # the restored copy's time renewed, no new retrieval wait
                return Reply(200, {"x-cos-request-id": new_request_id()})
            item.restore_ready_at = now + tiers[tier] * self.config.restore_time_scale
            item.restore_until = item.restore_ready_at + days * DAY
        return Reply(202, {"x-cos-request-id": new_request_id()})

    # --- bookkeeping -----------------------------------------------------------------------------------------

    def book_exit(self, item: CosObject, now: float) -> None:
        minimum = MINIMUM_DAYS.get(item.storage_class)
        since = item.class_since or item.last_modified
        if minimum is not None and since + minimum * DAY > now:
            self._ledger().append(
                {
                    "kind": "early_exit",
                    "class": item.storage_class,
                    "bytes": item.size_bytes,
                    "at": now,
                    "until": since + minimum * DAY,
                }
            )

    def book_read(self, item: CosObject, size: int, now: float) -> None:
        """Reading a STANDARD_IA object is billed as a data retrieval per GB (COS billing), like VOD's."""
        if item.storage_class != "STANDARD_IA":
            return
        with self.state.lock:
            self._ledger().append(
                {"kind": "retrieval", "class": "STANDARD_IA", "tier": "", "bytes": size, "at": now}
            )

    def _ledger(self) -> list[dict[str, Any]]:
        ledger: list[dict[str, Any]] = self.state.lifecycle.setdefault("cos_ledger", [])
        return ledger

    # --- parsing ---------------------------------------------------------------------------------------------

    @staticmethod
    def _storage_class(headers: dict[str, str]) -> str:
        storage_class = headers.get("x-cos-storage-class", "STANDARD").upper()
        if storage_class not in CLASSES:
            raise StorageError(
                400,
                "InvalidArgument",
                f"x-cos-storage-class {storage_class!r} is not available for this bucket.",
            )
        return storage_class

    def _source_key(self, header: str) -> str:
        """`<bucket>.cos.<region>.myqcloud.com/<key>` (URL-encoded key) → the key; only this bucket is emulated."""
        host, _, path = header.partition("/")
        if host.split(".")[0] != self.config.cos_bucket:
            raise StorageError(404, "NoSuchBucket", "The copy source bucket does not exist.")
        return unquote(path.split("?", 1)[0])

    @staticmethod
    def _restore_request(body: bytes) -> tuple[int, str]:
        try:
            root = ET.fromstring(body)
        except ET.ParseError as exc:
            raise StorageError(400, "MalformedXML", "The XML you provided was not well-formed.") from exc
        days_text = root.findtext("Days")
        tier = root.findtext("CASJobParameters/Tier") or ""
        if root.tag != "RestoreRequest" or days_text is None or not tier:
            raise StorageError(400, "MalformedXML", "RestoreRequest needs Days and CASJobParameters/Tier.")
        if not days_text.strip().isdigit() or not 1 <= int(days_text) <= MAX_RESTORE_DAYS:
            raise StorageError(
                400, "InvalidArgument", f"Days must be an integer from 1 to {MAX_RESTORE_DAYS}."
            )
        return int(days_text), tier.strip()
