"""VOD storage lifecycle (`vod` 2018-07-17): storage classes, expiry, retrieval, and the usage they bill.

Rules, as documented:
- ModifyMediaStorageClass (API 266/46008): STANDARD → STANDARD_IA | ARCHIVE | DEEP_ARCHIVE; STANDARD_IA →
  STANDARD | ARCHIVE | DEEP_ARCHIVE; ARCHIVE → STANDARD; DEEP_ARCHIVE → STANDARD; at most 100 FileIds. Leaving an
  archive class is a retrieval and needs a RestoreTier (ARCHIVE: Expedited | Standard | Bulk, DEEP_ARCHIVE:
  Standard | Bulk); the class changes when the retrieval is done.
- RestoreMedia (API 266/48378): a temporary copy of an ARCHIVE / DEEP_ARCHIVE file, readable for RestoreDay days
  once ready: ARCHIVE Expedited 5 min, Standard 5 h, Bulk 12 h; DEEP_ARCHIVE Standard 24 h, Bulk 48 h (SDK model).
  Both delays are multiplied by `restore_time_scale`. Completion queues `RestoreMediaComplete` (vod_events.py).
- An ARCHIVE / DEEP_ARCHIVE file cannot be played until restored ("must be restored before they can be accessed").
- ModifyMediaInfo's ExpireTime (ISO 8601; "9999-12-31T23:59:59Z" = never): once it passes, the file and all it
  has are deleted ("过期后…将被永久删除"), by the tick, with `FileDeleted` when that event is switched on.
- Minimum storage durations (VOD price list): STANDARD_IA 30 days, ARCHIVE 90, DEEP_ARCHIVE 180. A file that
  leaves such a class earlier (deleted, expired or moved) is billed for the rest: DescribeStorageDetails'
  Deleted*Storage counts its bytes on every day of the remaining period. Retrievals (and reads of STANDARD_IA
  files) are counted in the *Retrieval storage types. VOD playback traffic is DescribeCDNUsageData.

Usage bookkeeping lives in `state.lifecycle` (JSON, snapshotted): "vod_ledger" (early exits and retrievals),
"vod_storage_5min" / "vod_storage_day" (peak bytes per class), "vod_cdn" (bytes served per minute).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from emulator import clock
from emulator.config import EmulatorConfig
from emulator.envelope import ApiError
from emulator.params import INT, LIST, STR, STR_LIST, Action, RequestContext
from emulator.state import EmulatorState, VodMedia
from emulator.vod_events import VodEvents

DAY = 86_400
FIVE_MINUTES = 300
CLASSES = ("STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE")
ARCHIVES = frozenset({"ARCHIVE", "DEEP_ARCHIVE"})
TRANSITIONS = {
    "STANDARD": {"STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE"},
    "STANDARD_IA": {"STANDARD", "ARCHIVE", "DEEP_ARCHIVE"},
    "ARCHIVE": {"STANDARD"},
    "DEEP_ARCHIVE": {"STANDARD"},
}
MINIMUM_DAYS = {"STANDARD_IA": 30, "ARCHIVE": 90, "DEEP_ARCHIVE": 180}
RETRIEVAL_SECONDS = {
    "ARCHIVE": {"Expedited": 5 * 60, "Standard": 5 * 3600, "Bulk": 12 * 3600},
    "DEEP_ARCHIVE": {"Standard": 24 * 3600, "Bulk": 48 * 3600},
}
MAX_FILE_IDS = 100
NEVER = "9999-12-31T23:59:59Z"
STORAGE_TYPES = {
    "TotalStorage": None,
    "StandardStorage": "STANDARD",
    "InfrequentStorage": "STANDARD_IA",
    "ArchiveStorage": "ARCHIVE",
    "DeepArchiveStorage": "DEEP_ARCHIVE",
}
DELETED_TYPES = {
    "DeletedInfrequentStorage": "STANDARD_IA",
    "DeletedArchiveStorage": "ARCHIVE",
    "DeletedDeepArchiveStorage": "DEEP_ARCHIVE",
}
RETRIEVAL_TYPES = {
    "ArchiveStandardRetrieval": ("ARCHIVE", "Standard"),
    "ArchiveExpeditedRetrieval": ("ARCHIVE", "Expedited"),
    "ArchiveBulkRetrieval": ("ARCHIVE", "Bulk"),
    "DeepArchiveStandardRetrieval": ("DEEP_ARCHIVE", "Standard"),
    "DeepArchiveBulkRetrieval": ("DEEP_ARCHIVE", "Bulk"),
    "InfrequentRetrieval": ("STANDARD_IA", ""),
}
# Regions whose storage Tencent counts as "Chinese Mainland" (DescribeStorageDetails' Area).
MAINLAND_REGIONS = frozenset(
    {
        "ap-beijing",
        "ap-shanghai",
        "ap-guangzhou",
        "ap-chengdu",
        "ap-chongqing",
        "ap-nanjing",
        "ap-shenzhen-fsi",
    }
)
STORAGE_QUERY_SPAN = 90 * DAY
STORAGE_QUERY_HISTORY = 365 * DAY
MINUTE_QUERY_SPAN = 7 * DAY
CDN_INTERVALS = (5, 60, 1440)


def since(media: VodMedia) -> float:
    return media.class_since or media.create_time


def playable(media: VodMedia, now: float) -> bool:
    """Archived files play only while a finished restore's copy lasts (or after they left the archive)."""
    if media.storage_class not in ARCHIVES:
        return True
    return (
        media.restore_ready_at is not None
        and media.restore_ready_at <= now
        and media.restore_until is not None
        and now < media.restore_until
    )


def bucket_start(ts: float, seconds: int) -> int:
    """Start of the `seconds`-long bucket holding `ts`; days begin at Beijing midnight like Tencent's statistics."""
    offset = 8 * 3600 if seconds >= DAY else 0
    return int((ts + offset) // seconds * seconds - offset)


def beijing_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, clock.BEIJING).isoformat()


class VodStorage:
    def __init__(
        self,
        *,
        config: EmulatorConfig,
        state: EmulatorState,
        events: VodEvents,
        remove: Callable[[str, str], VodMedia | None],
    ) -> None:
        self.config = config
        self.state = state
        self.events = events
        self._remove = remove  # VodService.remove(file_id, reason): deletes the files and books the exit

    def actions(self) -> dict[str, Action]:
        sub_app = {"SubAppId": (INT, False)}
        return {
            "ModifyMediaStorageClass": Action(
                {
                    **sub_app,
                    "FileIds": (STR_LIST, True),
                    "StorageClass": (STR, True),
                    "RestoreTier": (STR, False),
                },
                self.modify_media_storage_class,
            ),
            "RestoreMedia": Action(
                {
                    **sub_app,
                    "FileIds": (STR_LIST, True),
                    "RestoreDay": (INT, True),
                    "RestoreTier": (STR, False),
                },
                self.restore_media,
            ),
            "ModifyMediaInfo": Action(
                {
                    **sub_app,
                    "FileId": (STR, True),
                    "Name": (STR, False),
                    "ExpireTime": (STR, False),
                    **{name: (LIST, False) for name in NOT_EMULATED_LISTS},
                    **{name: (STR, False) for name in NOT_EMULATED_STRINGS},
                    **{name: (INT, False) for name in NOT_EMULATED_INTS},
                },
                self.modify_media_info,
            ),
            "DescribeStorageDetails": Action(
                {
                    **sub_app,
                    "StartTime": (STR, True),
                    "EndTime": (STR, True),
                    "Interval": (STR, False),
                    "StorageType": (STR, False),
                    "Area": (STR, False),
                },
                self.describe_storage_details,
            ),
            "DescribeCDNUsageData": Action(
                {
                    **sub_app,
                    "StartTime": (STR, True),
                    "EndTime": (STR, True),
                    "DataType": (STR, True),
                    "DataInterval": (INT, False),
                    "DomainNames": (STR_LIST, False),
                },
                self.describe_cdn_usage_data,
            ),
        }

    # --- storage class ---------------------------------------------------------------------------------------

    def modify_media_storage_class(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        target, tier = params["StorageClass"], params.get("RestoreTier")
        if target not in CLASSES:
            raise ApiError(
                "InvalidParameterValue.StorageClass", f"StorageClass must be one of {', '.join(CLASSES)}."
            )
        now = time.time()
        with self.state.mutate():
            files = self._files(params["FileIds"])
            # Every file is checked before any changes: a refused call changes nothing.
            for media in files:
                self._check_not_busy(media, now)
                if target not in TRANSITIONS[media.storage_class]:
                    raise ApiError(
                        "InvalidParameterValue.StorageClass",
                        f"File {media.file_id} in {media.storage_class} cannot be changed to {target}.",
                    )
                if media.storage_class in ARCHIVES:
                    self._check_tier(media.storage_class, tier)
            for media in files:
                if media.storage_class in ARCHIVES:
                    assert tier is not None
                    media.pending_class = target
                    media.pending_ready_at = now + self._retrieval_seconds(media.storage_class, tier)
                    media.restore_tier = tier
                    self._book_retrieval(media, tier, now)
                else:
                    self._book_exit(media, now)
                    media.storage_class, media.class_since = target, now
        return {}

    def restore_media(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        days, tier = params["RestoreDay"], params.get("RestoreTier")
        if days <= 0:
            raise ApiError("InvalidParameterValue.RestoreDay", "RestoreDay must be greater than 0.")
        now = time.time()
        with self.state.mutate():
            files = self._files(params["FileIds"])
            for media in files:
                if media.storage_class not in ARCHIVES:
                    raise ApiError(
                        "InvalidParameterValue.OriginalStorageClass",
                        f"File {media.file_id} is {media.storage_class}: only ARCHIVE and DEEP_ARCHIVE are restored.",
                    )
                self._check_not_busy(media, now)
                self._check_tier(media.storage_class, tier)
            for media in files:
                assert tier is not None
                self._book_retrieval(media, tier, now)
                if playable(media, now):
                    # A restored copy asked for again: its time is counted anew from now (and retrieved again).
                    media.restore_until = now + days * DAY
                    continue
                media.restore_tier = tier
                media.restore_ready_at = now + self._retrieval_seconds(media.storage_class, tier)
                media.restore_until = media.restore_ready_at + days * DAY
        return {}

    # --- expiry ----------------------------------------------------------------------------------------------

    def modify_media_info(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        asked = [
            name
            for name in (*NOT_EMULATED_LISTS, *NOT_EMULATED_STRINGS, *NOT_EMULATED_INTS)
            if name in params
        ]
        if asked:
            raise ApiError("UnsupportedOperation", f"The emulator does not emulate {', '.join(asked)}.")
        name, expire = params.get("Name"), params.get("ExpireTime")
        if name is not None and not 0 < len(name) <= 64:
            raise ApiError("InvalidParameterValue.Name", "Name must be 1 to 64 characters.")
        expire_at: float | None = None
        if expire is not None and expire != NEVER:
            try:
                expire_at, is_iso = clock.parse(expire, "ExpireTime")
            except ApiError:
                is_iso = False
            if not is_iso:
                raise ApiError("InvalidParameterValue.ExpireTime", "ExpireTime must be an ISO 8601 date.")
        with self.state.mutate():
            media = self.state.media.get(params["FileId"])
            if media is None:
                raise ApiError("ResourceNotFound.FileNotExist", "The file does not exist.")
            if name is not None:
                media.name = name
            if expire is not None:
                # A time already past is accepted: the tick deletes the file at once (the harsher reading).
                media.expire_time = expire_at
        return {}

    # --- housekeeping ----------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        # Requests settle concurrently: everything is decided under the lock, so each event is queued once.
        expired: list[str] = []
        finished: list[dict[str, Any]] = []
        with self.state.lock:
            for media in self.state.media.values():
                if media.expire_time is not None and media.expire_time <= now:
                    expired.append(media.file_id)
                    continue
                if media.pending_class and media.pending_ready_at <= now:
                    finished.append(self._finished(media, media.storage_class, media.pending_class, 0))
                    self._book_exit(media, now)
                    media.storage_class, media.class_since = media.pending_class, now
                    media.pending_class, media.pending_ready_at = "", 0.0
                    media.restore_ready_at = media.restore_until = None
                    media.restore_tier = ""
                elif (
                    media.restore_tier
                    and not media.pending_class  # restore_tier then names the class change's retrieval
                    and media.restore_ready_at is not None
                    and media.restore_ready_at <= now
                ):
                    days = round(((media.restore_until or now) - media.restore_ready_at) / DAY)
                    finished.append(self._finished(media, media.storage_class, media.storage_class, days))
                    media.restore_tier = ""  # announced once; the copy stays readable until restore_until
                if media.restore_until is not None and media.restore_until <= now and not media.pending_class:
                    media.restore_ready_at = media.restore_until = None
                    media.restore_tier = ""
            self._sample_storage(now)
        for body in finished:
            self.events.emit("RestoreMediaComplete", "RestoreMediaCompleteEvent", body)
        for file_id in expired:
            self._remove(file_id, "expired")
        if finished or expired:
            self.state.save()

    @staticmethod
    def _finished(media: VodMedia, original: str, target: str, days: int) -> dict[str, Any]:
        return {
            "FileId": media.file_id,
            "OriginalStorageClass": original,
            "TargetStorageClass": target,
            "RestoreTier": media.restore_tier,
            "RestoreDay": days,
        }

    def book_exit(self, media: VodMedia, now: float) -> None:
        """A file leaves its class (deleted): bill the rest of the class's minimum duration."""
        with self.state.lock:
            self._book_exit(media, now)

    def book_served(self, media: VodMedia | None, size: int, now: float) -> None:
        """A play request served `size` bytes: CDN traffic, and a retrieval when the file is STANDARD_IA."""
        minute = str(int(now // 60 * 60))
        with self.state.lock:
            cdn = self.state.lifecycle.setdefault("vod_cdn", {})
            cdn[minute] = cdn.get(minute, 0) + size
            if media is not None and media.storage_class == "STANDARD_IA":
                self._ledger().append(
                    {"kind": "retrieval", "class": "STANDARD_IA", "tier": "", "bytes": size, "at": now}
                )

    # --- usage APIs ------------------------------------------------------------------------------------------

    def describe_storage_details(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        start, end = self._window(params, span=STORAGE_QUERY_SPAN)
        storage_type = params.get("StorageType") or "TotalStorage"
        if storage_type not in {**STORAGE_TYPES, **DELETED_TYPES, **RETRIEVAL_TYPES}:
            raise ApiError("InvalidParameterValue.StorageType", f"Unknown StorageType {storage_type!r}.")
        area = params.get("Area") or "Chinese Mainland"
        if area not in {"Chinese Mainland", "Outside Chinese Mainland"}:
            raise ApiError(
                "InvalidParameterValue.Area", "Area must be Chinese Mainland or Outside Chinese Mainland."
            )
        interval = params.get("Interval") or ("Minute" if end - start <= DAY else "Day")
        if interval not in {"Minute", "Day"}:
            raise ApiError("InvalidParameterValue.Interval", "Interval must be Minute or Day.")
        if interval == "Minute" and end - start > MINUTE_QUERY_SPAN:
            raise ApiError("InvalidParameterValue", "Minute granularity covers at most 7 days.")
        size = FIVE_MINUTES if interval == "Minute" else DAY
        ours = (self.config.cos_region in MAINLAND_REGIONS) == (area == "Chinese Mainland")
        points = []
        with self.state.lock:
            for at in range(bucket_start(start, size), int(end) + 1, size):
                value = self._storage_value(storage_type, at, at + size, size) if ours else 0
                points.append({"Time": beijing_iso(at), "Value": int(value)})
        return {"Data": points}

    def describe_cdn_usage_data(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        start, end = self._window(params, span=STORAGE_QUERY_SPAN)
        data_type = params["DataType"]
        if data_type not in {"Flux", "Bandwidth"}:
            raise ApiError("InvalidParameterValue.DataType", "DataType must be Flux or Bandwidth.")
        interval = 1440 if params.get("DataInterval") is None else params["DataInterval"]
        if interval not in CDN_INTERVALS:
            raise ApiError("InvalidParameterValue.DataInterval", "DataInterval must be 5, 60 or 1440.")
        if len(params.get("DomainNames") or []) > 20:
            raise ApiError("InvalidParameterValue.DomainNames", "At most 20 DomainNames.")
        size = interval * 60
        with self.state.lock:
            served = {int(minute): value for minute, value in self.state.lifecycle.get("vod_cdn", {}).items()}
        points = []
        for at in range(bucket_start(start, size), int(end) + 1, size):
            flux = sum(value for minute, value in served.items() if at <= minute < at + size)
            value = flux if data_type == "Flux" else flux * 8 / size
            points.append({"Time": beijing_iso(at), "Value": int(value)})
        return {"DataInterval": interval, "Data": points}

    # --- helpers ---------------------------------------------------------------------------------------------

    def _files(self, file_ids: list[str]) -> list[VodMedia]:
        if not file_ids:
            raise ApiError("InvalidParameterValue.FileIdsEmpty", "FileIds must not be empty.")
        if len(file_ids) > MAX_FILE_IDS:
            raise ApiError(
                "InvalidParameterValue.FileIdsTooMany", f"At most {MAX_FILE_IDS} FileIds per call."
            )
        files = []
        for file_id in dict.fromkeys(file_ids):
            media = self.state.media.get(file_id)
            if media is None:
                raise ApiError("ResourceNotFound.FileNotExist", f"The file {file_id} does not exist.")
            files.append(media)
        return files

    @staticmethod
    def _check_not_busy(media: VodMedia, now: float) -> None:
        restoring = media.restore_ready_at is not None and media.restore_ready_at > now
        if media.pending_class or restoring:
            raise ApiError("FailedOperation.TaskDuplicate", f"File {media.file_id} is being retrieved.")

    @staticmethod
    def _check_tier(storage_class: str, tier: str | None) -> None:
        if not tier:
            raise ApiError(
                "InvalidParameterValue.RestoreTier", f"A RestoreTier is required for {storage_class}."
            )
        if tier not in RETRIEVAL_SECONDS[storage_class]:
            raise ApiError(
                "InvalidParameterValue.UnsupportedRestoreTier",
                f"{storage_class} is retrieved with {' | '.join(RETRIEVAL_SECONDS[storage_class])}, not {tier}.",
            )

    def _retrieval_seconds(self, storage_class: str, tier: str) -> float:
        return RETRIEVAL_SECONDS[storage_class][tier] * self.config.restore_time_scale

    def _ledger(self) -> list[dict[str, Any]]:
        ledger: list[dict[str, Any]] = self.state.lifecycle.setdefault("vod_ledger", [])
        return ledger

    def _book_exit(self, media: VodMedia, now: float) -> None:
        minimum = MINIMUM_DAYS.get(media.storage_class)
        if minimum is None:
            return
        until = since(media) + minimum * DAY
        if until > now:
            self._ledger().append(
                {
                    "kind": "early_exit",
                    "class": media.storage_class,
                    "bytes": media.size_bytes,
                    "at": now,
                    "until": until,
                }
            )

    def _book_retrieval(self, media: VodMedia, tier: str, now: float) -> None:
        self._ledger().append(
            {
                "kind": "retrieval",
                "class": media.storage_class,
                "tier": tier,
                "bytes": media.size_bytes,
                "at": now,
            }
        )

    def _sample_storage(self, now: float) -> None:
        """Peak bytes per class per 5 minutes (kept 7 days) and per day (kept a year): what storage bills on."""
        totals = dict.fromkeys(CLASSES, 0)
        for media in self.state.media.values():
            totals[media.storage_class] += media.size_bytes
        lifecycle = self.state.lifecycle
        for key, size, keep in (
            ("vod_storage_5min", FIVE_MINUTES, MINUTE_QUERY_SPAN),
            ("vod_storage_day", DAY, STORAGE_QUERY_HISTORY),
        ):
            table = lifecycle.setdefault(key, {})
            slot = table.setdefault(str(bucket_start(now, size)), dict.fromkeys(CLASSES, 0))
            for name, value in totals.items():
                slot[name] = max(slot.get(name, 0), value)
            if len(table) > keep // size + 2:
                for old in sorted(table, key=int)[: len(table) - keep // size - 2]:
                    del table[old]

    def _storage_value(self, storage_type: str, start: int, end: int, size: int) -> float:
        lifecycle = self.state.lifecycle
        if storage_type in STORAGE_TYPES:
            table = lifecycle.get("vod_storage_5min" if size == FIVE_MINUTES else "vod_storage_day", {})
            slot = table.get(str(start), {})
            wanted = STORAGE_TYPES[storage_type]
            return sum(value for name, value in slot.items() if wanted in (None, name))
        ledger = lifecycle.get("vod_ledger", [])
        if storage_type in DELETED_TYPES:
            wanted = DELETED_TYPES[storage_type]
            return sum(
                item["bytes"]
                for item in ledger
                if item["kind"] == "early_exit"
                and item["class"] == wanted
                and item["at"] < end
                and item["until"] > start
            )
        wanted_class, wanted_tier = RETRIEVAL_TYPES[storage_type]
        return sum(
            item["bytes"]
            for item in ledger
            if item["kind"] == "retrieval"
            and (item["class"], item["tier"]) == (wanted_class, wanted_tier)
            and start <= item["at"] < end
        )

    @staticmethod
    def _window(params: dict[str, Any], *, span: int) -> tuple[float, float]:
        start, start_iso = clock.parse(params["StartTime"], "StartTime")
        end, end_iso = clock.parse(params["EndTime"], "EndTime")
        if not start_iso:
            raise ApiError("InvalidParameterValue.StartTime", "StartTime must be an ISO 8601 date.")
        if not end_iso or end <= start:
            raise ApiError(
                "InvalidParameterValue.EndTime", "EndTime must be an ISO 8601 date after StartTime."
            )
        if end - start > span:
            raise ApiError("InvalidParameterValue.EndTime", f"The query spans at most {span // DAY} days.")
        if start < time.time() - STORAGE_QUERY_HISTORY:
            raise ApiError("InvalidParameterValue.StartTime", "Only the last 365 days can be queried.")
        return start, end


# ModifyMediaInfo's other parameters (SDK model): known to the API, not emulated — asked for, they are refused
# instead of silently ignored.
NOT_EMULATED_LISTS = (
    "AddKeyFrameDescs",
    "DeleteKeyFrameDescs",
    "AddTags",
    "DeleteTags",
    "AddSubtitles",
    "DeleteSubtitleIds",
    "DeleteKnowledgeBases",
)
NOT_EMULATED_STRINGS = ("Description", "CoverData")
NOT_EMULATED_INTS = ("ClassId", "ClearKeyFrameDescs", "ClearTags", "ClearSubtitles", "ClearKnowledgeBases")
