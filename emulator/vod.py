"""VOD (`vod` 2018-07-17): the recordings CSS stored there, searchable, describable, deletable and playable.

Files live under `<data dir>/vod/<app id>/<FileId>/` and are served at `/vod/<app id>/<FileId>/<name>`, behind
key hotlink protection when a VOD play key is set: `t` = lowercase hex expiry, `sign = md5(KEY + Dir + t +
exper + rlimit + us)` with Dir the path up to its last `/`.
"""

from __future__ import annotations

import hmac
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from emulator import clock
from emulator.config import EmulatorConfig
from emulator.envelope import ApiError
from emulator.hotlink import vod_sign
from emulator.media import MediaInfo
from emulator.params import INT, INT_LIST, LIST, OBJECT, STR, STR_LIST, Action, Handler, RequestContext
from emulator.replies import CORS, Reply, file_reply, text
from emulator.state import EmulatorState, Push, VodMedia
from emulator.vod_events import VodEvents
from emulator.vod_storage import NEVER, VodStorage, playable

MAX_SEARCH_WINDOW = 5000
MAX_DESCRIBE_IDS = 20
FILE_ID_BASE = 5285890780000000000
CONTAINERS = {"mp4": "mov,mp4,m4a,3gp,3g2,mj2", "hls": "hls,applehttp", "flv": "flv", "aac": "aac"}
MEDIA_TYPES = {"mp4": "mp4", "hls": "m3u8", "flv": "flv", "aac": "aac"}


class VodService:
    def __init__(self, *, config: EmulatorConfig, state: EmulatorState) -> None:
        self.config = config
        self.state = state
        self.root = config.data_dir / "vod"
        self._staged: dict[str, VodMedia] = {}
        self._lock = threading.Lock()
        self.events = VodEvents(state=state)
        self.storage = VodStorage(config=config, state=state, events=self.events, remove=self.remove)
        self.events.settle = self.tick

    def actions(self) -> dict[str, Action]:
        lifecycle = {
            name: Action(action.spec, self._checking_sub_app(action.handler))
            for name, action in {**self.storage.actions(), **self.events.actions()}.items()
        }
        # Expiries, finished retrievals and lapsed restores settle before every answer (lazily: whatever asks
        # sees the state it would see on Tencent, without a housekeeping thread of its own).
        return {
            name: Action(action.spec, self._settled(action.handler), action.region_required)
            for name, action in {**self._own_actions(), **lifecycle}.items()
        }

    def _own_actions(self) -> dict[str, Action]:
        return {
            "SearchMedia": Action(
                {
                    "SubAppId": (INT, False),
                    "FileIds": (STR_LIST, False),
                    "Names": (STR_LIST, False),
                    "NamePrefixes": (STR_LIST, False),
                    "Descriptions": (STR_LIST, False),
                    "ClassIds": (INT_LIST, False),
                    "Tags": (STR_LIST, False),
                    "Categories": (STR_LIST, False),
                    "SourceTypes": (STR_LIST, False),
                    "StreamIds": (STR_LIST, False),
                    "CreateTime": (OBJECT, False),
                    "ExpireTime": (OBJECT, False),
                    "StorageRegions": (STR_LIST, False),
                    "StorageClasses": (STR_LIST, False),
                    "MediaTypes": (STR_LIST, False),
                    "Status": (STR_LIST, False),
                    "ReviewResults": (STR_LIST, False),
                    "TrtcSdkAppIds": (INT_LIST, False),
                    "TrtcRoomIds": (STR_LIST, False),
                    "Filters": (STR_LIST, False),
                    "Sort": (OBJECT, False),
                    "Offset": (INT, False),
                    "Limit": (INT, False),
                    "Text": (STR, False),
                    "SourceType": (STR, False),
                    "StreamId": (STR, False),
                    "StartTime": (STR, False),
                    "EndTime": (STR, False),
                    "Vids": (STR_LIST, False),
                    "Vid": (STR, False),
                    "StreamDomains": (STR_LIST, False),
                    "StreamPaths": (STR_LIST, False),
                    "KnowledgeBases": (LIST, False),
                },
                self.search_media,
            ),
            "DescribeMediaInfos": Action(
                {"FileIds": (STR_LIST, True), "SubAppId": (INT, False), "Filters": (STR_LIST, False)},
                self.describe_media_infos,
            ),
            "DeleteMedia": Action(
                {"FileId": (STR, True), "SubAppId": (INT, False), "DeleteParts": (LIST, False)},
                self.delete_media,
            ),
            "DescribeStorageData": Action({"SubAppId": (INT, False)}, self.describe_storage_data),
            "DescribeSubAppIds": Action(
                {"Name": (STR, False), "Tags": (LIST, False), "Offset": (INT, False), "Limit": (INT, False)},
                self.describe_sub_app_ids,
            ),
        }

    # --- actions ---------------------------------------------------------------------------------------------

    def search_media(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_sub_app(params)
        offset: int = params.get("Offset") or 0
        limit: int = 10 if params.get("Limit") is None else params["Limit"]
        if offset < 0 or limit < 0 or offset + limit > MAX_SEARCH_WINDOW:
            raise ApiError("InvalidParameterValue", f"Offset + Limit must not exceed {MAX_SEARCH_WINDOW}.")
        created_after, created_before = self._time_range(params.get("CreateTime"))
        sort = params.get("Sort") or {}
        if sort and (sort.get("Field") != "CreateTime" or sort.get("Order") not in {"Asc", "Desc"}):
            raise ApiError("InvalidParameterValue", "Sort must be {Field: CreateTime, Order: Asc|Desc}.")
        stream_ids = set(params.get("StreamIds") or []) | (
            {params["StreamId"]} if params.get("StreamId") else set()
        )

        def matches(media: VodMedia) -> bool:
            checks = [
                (params.get("FileIds"), lambda values: media.file_id in values),
                (params.get("Names"), lambda values: any(value in media.name for value in values)),
                (params.get("NamePrefixes"), lambda values: any(media.name.startswith(v) for v in values)),
                (params.get("Categories"), lambda values: "Video" in values),
                (params.get("SourceTypes"), lambda values: "Record" in values),
                (stream_ids or None, lambda values: media.stream_id in values),
                (params.get("StreamDomains"), lambda values: media.domain_name in values),
                (params.get("StorageClasses"), lambda values: media.storage_class in values),
                (params.get("MediaTypes"), lambda values: MEDIA_TYPES.get(self._format(media), "") in values),
                (params.get("Text"), lambda value: value in media.name),
            ]
            if any(values and not test(values) for values, test in checks):
                return False
            # VOD keeps CreateTime in whole seconds; TimeRange's After is inclusive, its Before exclusive
            # ("大于等于此时间" / "小于此时间", the SDK's TimeRange): a file created in the second a search's Before
            # names is not in it.
            created = int(media.create_time)
            if created_after is not None and created < created_after:
                return False
            return created_before is None or created < created_before

        with self.state.lock:
            found = [media for media in self.state.media.values() if matches(media)]
        found.sort(key=lambda media: (media.create_time, media.file_id), reverse=sort.get("Order") != "Asc")
        filters = params.get("Filters")
        return {
            "TotalCount": len(found),
            "MediaInfoSet": [self._info(media, filters) for media in found[offset : offset + limit]],
        }

    def describe_media_infos(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_sub_app(params)
        file_ids = params["FileIds"]
        if not file_ids:
            raise ApiError("InvalidParameterValue.FileIdsEmpty", "FileIds must not be empty.")
        if len(file_ids) > MAX_DESCRIBE_IDS:
            raise ApiError(
                "InvalidParameterValue.FileIdsTooMany", f"At most {MAX_DESCRIBE_IDS} FileIds per call."
            )
        with self.state.lock:
            found = [self.state.media[file_id] for file_id in file_ids if file_id in self.state.media]
        missing = [file_id for file_id in file_ids if file_id not in {media.file_id for media in found}]
        return {
            "MediaInfoSet": [self._info(media, params.get("Filters")) for media in found],
            "NotExistFileIdSet": missing,
        }

    def delete_media(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_sub_app(params)
        if self.remove(params["FileId"], "deleted") is None:
            raise ApiError("ResourceNotFound.FileNotExist", "The file does not exist.")
        return {}

    def remove(self, file_id: str, reason: str) -> VodMedia | None:
        """Delete a file (DeleteMedia, or its ExpireTime passed): its files, its class's early exit, FileDeleted."""
        with self.state.mutate():
            media = self.state.media.pop(file_id, None)
            if media is not None:
                self.storage.book_exit(media, time.time())
        if media is None:
            return None
        shutil.rmtree(self.root / self.config.vod_app_id / media.file_id, ignore_errors=True)
        self.events.emit(
            "FileDeleted",
            "FileDeleteEvent",
            {"FileIdSet": [file_id], "FileDeleteResultInfo": [{"FileId": file_id, "DeleteParts": []}]},
            switch="DeleteMediaCompleteEventSwitch",
        )
        return media

    def tick(self, now: float) -> None:
        self.storage.tick(now)

    def describe_storage_data(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_sub_app(params)
        with self.state.lock:
            by_class = {
                name: sum(
                    media.size_bytes for media in self.state.media.values() if media.storage_class == name
                )
                for name in ("STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE")
            }
            count = len(self.state.media)
        amounts = {
            "TotalStorage": sum(by_class.values()),
            "StandardStorage": by_class["STANDARD"],
            "InfrequentStorage": by_class["STANDARD_IA"],
            "ArchiveStorage": by_class["ARCHIVE"],
            "DeepArchiveStorage": by_class["DEEP_ARCHIVE"],
        }
        return {
            "MediaCount": count,
            **amounts,
            "StorageStat": [{"Area": "Outside Chinese Mainland", **amounts}],
        }

    # --- recordings arrive from CSS --------------------------------------------------------------------------

    def register(
        self,
        *,
        paths: list[Path],
        info: MediaInfo,
        fmt: str,
        push: Push,
        record_start: float,
        record_end: float,
        task_id: str,
        cover: Path | None,
    ) -> VodMedia:
        """Move a recording's files into VOD; it stays invisible until `publish` (files arrive with a delay)."""
        file_id = str(FILE_ID_BASE + secrets.randbelow(10**13))  # random: never reuses a directory on disk
        directory = self.root / self.config.vod_app_id / file_id
        directory.mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.move(str(path), directory / path.name)
        base = f"{self.config.base_url}/vod/{self.config.vod_app_id}/{file_id}"
        cover_url = ""
        if cover is not None and cover.exists():
            shutil.copyfile(cover, directory / "cover.jpg")
            cover_url = f"{base}/cover.jpg"
        media = VodMedia(
            file_id=file_id,
            name=paths[0].stem,
            create_time=time.time(),
            media_url=f"{base}/{paths[0].name}",
            cover_url=cover_url,
            domain_name=push.domain_name,
            app_name=push.app_name,
            stream_id=push.stream_name,
            record_start=record_start,
            record_end=record_end,
            size_bytes=info.size_bytes,
            duration_s=info.duration_s,
            width=info.width,
            height=info.height,
            bitrate_bps=info.bitrate_bps,
            container=CONTAINERS.get(fmt, fmt),
            paths=[path.name for path in paths],
            task_id=task_id,
        )
        with self._lock:
            self._staged[file_id] = media
        return media

    def publish(self, file_id: str) -> None:
        with self._lock:
            media = self._staged.pop(file_id, None)
        if media is not None:
            media.create_time = media.class_since = time.time()
            with self.state.mutate():
                self.state.media[file_id] = media

    # --- play ------------------------------------------------------------------------------------------------

    def serve(self, *, path: str, query: dict[str, list[str]], range_header: str | None) -> Reply:
        directory = path[: path.rfind("/") + 1]
        if self.config.vod_play_key:
            reason = self._hotlink_refusal(directory, query)
            if reason:
                return text(403, f"Forbidden: {reason}.")
        root = self.root.resolve()
        file = (root / path[len("/vod/") :]).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return text(404, "No such file.")
        now = time.time()
        self.tick(now)
        with self.state.lock:
            media = self.state.media.get(file.parent.name)
            refused = media is not None and file.name != "cover.jpg" and not playable(media, now)
        if refused:
            # Undocumented answer; the harsher plausible one: the CDN refuses instead of serving stale bytes.
            return text(403, "Forbidden: the file is archived (ARCHIVE / DEEP_ARCHIVE); restore it first.")
        reply = self._playlist(file, query) if file.suffix == ".m3u8" else file_reply(file, range_header)
        self.storage.book_served(media, reply.length or len(reply.body), now)
        return reply

    def _hotlink_refusal(self, directory: str, query: dict[str, list[str]]) -> str:
        def one(name: str) -> str:
            return query.get(name, [""])[0]

        t, sign = one("t"), one("sign")
        if not t or not sign:
            return "t and sign are required"
        try:
            expires = int(t, 16)
        except ValueError:
            return "t is not hex"
        if expires < time.time():
            return "the URL has expired"
        expected = vod_sign(
            key=self.config.vod_play_key,
            directory=directory,
            t=t,
            exper=one("exper"),
            rlimit=one("rlimit"),
            us=one("us"),
        )
        return "" if hmac.compare_digest(expected, sign.lower()) else "sign does not match"

    @staticmethod
    def _playlist(file: Path, query: dict[str, list[str]]) -> Reply:
        """VOD appends the hotlink query to the segment URIs of a playlist so every segment request passes."""
        suffix = urlencode({key: values[0] for key, values in query.items()})
        lines = [
            f"{line}?{suffix}" if line and not line.startswith("#") and suffix else line
            for line in file.read_text().splitlines()
        ]
        body = ("\n".join(lines) + "\n").encode()
        return Reply(200, {"Content-Type": "application/vnd.apple.mpegurl", **CORS}, body)

    def describe_sub_app_ids(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        """The account's applications: the configured sub-application when there is one (Tencent lists the
        applications of the account; the emulator's account has at most that one)."""
        limit = 200 if params.get("Limit") is None else params["Limit"]
        if not 1 <= limit <= 200:
            raise ApiError("InvalidParameterValue.Limit", "Limit must be 1 to 200.")
        apps = []
        if self.config.vod_subapp_id:
            name = "cnr-recordings"
            apps.append(
                {
                    "SubAppId": self.config.vod_subapp_id,
                    "SubAppIdName": name,
                    "Name": name,
                    "Description": "",
                    "CreateTime": "2024-01-01T00:00:00+08:00",
                    "Status": "On",
                    "Mode": "fileid",
                    "StorageRegions": [self.config.cos_region],
                    "Tags": [],
                }
            )
        apps = [app for app in apps if params.get("Name") in (None, "", app["SubAppIdName"])]
        offset = params.get("Offset") or 0
        return {"SubAppIdInfoSet": apps[offset : offset + limit], "TotalCount": len(apps)}

    # --- helpers ---------------------------------------------------------------------------------------------

    def _settled(self, handler: Handler) -> Handler:
        def settled(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
            self.tick(time.time())
            return handler(params, ctx)

        return settled

    def _checking_sub_app(self, handler: Handler) -> Handler:
        def checked(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
            self._check_sub_app(params)
            return handler(params, ctx)

        return checked

    def _check_sub_app(self, params: dict[str, Any]) -> None:
        sub_app = params.get("SubAppId")
        if self.config.vod_subapp_id and sub_app != self.config.vod_subapp_id:
            raise ApiError(
                "InvalidParameterValue.SubAppId", "SubAppId is required and must be your application."
            )
        if not self.config.vod_subapp_id and sub_app not in (None, 0, int(self.config.appid)):
            raise ApiError("InvalidParameterValue.SubAppId", f"The application {sub_app} does not exist.")

    @staticmethod
    def _time_range(value: dict[str, Any] | None) -> tuple[float | None, float | None]:
        if not value:
            return None, None
        after = clock.parse(value["After"], "CreateTime.After")[0] if value.get("After") else None
        before = clock.parse(value["Before"], "CreateTime.Before")[0] if value.get("Before") else None
        return after, before

    @staticmethod
    def _format(media: VodMedia) -> str:
        return next((fmt for fmt, container in CONTAINERS.items() if container == media.container), "mp4")

    def _info(self, media: VodMedia, filters: list[str] | None) -> dict[str, Any]:
        info: dict[str, Any] = {"FileId": media.file_id}
        if not filters or "basicInfo" in filters:
            info["BasicInfo"] = {
                "Name": media.name,
                "Description": "",
                "CreateTime": clock.iso_utc(media.create_time),
                "UpdateTime": clock.iso_utc(media.create_time),
                "ExpireTime": NEVER if media.expire_time is None else clock.iso_utc(media.expire_time),
                "ClassId": 0,
                "ClassName": "",
                "ClassPath": "",
                "CoverUrl": media.cover_url,
                "Type": MEDIA_TYPES.get(self._format(media), "mp4"),
                "MediaUrl": media.media_url,
                "SourceInfo": {
                    "SourceType": "Record",
                    "SourceContext": "",
                    "LiveRecordInfo": {
                        "Domain": media.domain_name,
                        "Path": media.app_name,
                        "StreamId": media.stream_id,
                        "RecordStartTime": clock.iso_utc(media.record_start),
                        "RecordEndTime": clock.iso_utc(media.record_end),
                    },
                },
                "StorageRegion": self.config.cos_region,
                "StoragePath": f"/{self.config.vod_app_id}/{media.file_id}/{media.paths[0]}",
                "TagSet": [],
                "Vid": "",
                "Category": "Video",
                "Status": "Normal",
                "StorageClass": media.storage_class,
            }
        if not filters or "metaData" in filters:
            info["MetaData"] = {
                "Size": media.size_bytes,
                "Container": media.container,
                "Bitrate": media.bitrate_bps,
                "Height": media.height,
                "Width": media.width,
                "Duration": round(media.duration_s, 3),
                "Rotate": 0,
                "VideoStreamSet": [
                    {
                        "Bitrate": media.bitrate_bps,
                        "Height": media.height,
                        "Width": media.width,
                        "Codec": "h264",
                    }
                ],
                "AudioStreamSet": [{"Codec": "aac", "SamplingRate": 44100}],
                "VideoDuration": round(media.duration_s, 3),
                "AudioDuration": round(media.duration_s, 3),
                "Md5": "",
            }
        return info
