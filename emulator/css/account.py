"""The account's CSS setup: domains, auth keys, record templates, callback templates and their rules.

Domains and auth keys come from the configuration (an account is handed over with them); record and callback
templates and rules are state, created through the same APIs a user calls (`tencent_setup --apply`). Shapes follow
the SDK models (RecordTemplateInfo, CallBackTemplateInfo, CallBackRuleInfo, DomainInfo, Push/PlayAuthKeyInfo).

`provision_defaults` creates what a fresh test emulator starts with: template 1 (MP4 + HLS to VOD) and template 2
(MP4 to COS under /record/{StreamID}/), the way `tencent_setup --apply` would.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from emulator.config import EmulatorConfig
from emulator.envelope import ApiError
from emulator.params import BOOL, INT, OBJECT, STR, STR_LIST, Action, RequestContext
from emulator.record_outputs import DEFAULT_COS_PATH, FORMATS, PARAM_OF
from emulator.state import EmulatorState

CALLBACK_URL_FIELDS = (
    "StreamBeginNotifyUrl",
    "StreamEndNotifyUrl",
    "RecordNotifyUrl",
    "RecordStatusNotifyUrl",
    "SnapshotNotifyUrl",
    "PornCensorshipNotifyUrl",
    "PushExceptionNotifyUrl",
    "AudioAuditNotifyUrl",
    "RecordExceptionNotifyUrl",
)
NAME = re.compile(r"^[\w\-\u4e00-\u9fff]{1,255}$")
AUTH_DELTA_S = 86400
RECORD_PARAM_FIELDS = (
    "RecordInterval",
    "StorageTime",
    "Enable",
    "VodSubAppId",
    "VodFileName",
    "Procedure",
    "StorageMode",
    "ClassId",
    "CosBucketName",
    "CosBucketRegion",
    "CosBucketPath",
)
# Callback rules change where the emulator sends callbacks: (url, key) of the template bound to the push domain.
Binding = Callable[[str, str], None]


def _beijing(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at + 8 * 3600))


def _record_param(raw: Any, fmt: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ApiError("InvalidParameter", f"{PARAM_OF[fmt]} must be an object.")
    unknown = set(raw) - set(RECORD_PARAM_FIELDS)
    if unknown:
        raise ApiError(
            "UnknownParameter", f"The parameter `{PARAM_OF[fmt]}.{sorted(unknown)[0]}` is unknown."
        )
    for name in ("RecordInterval", "StorageTime", "Enable", "VodSubAppId", "ClassId"):
        if not isinstance(raw.get(name, 0), int):
            raise ApiError("InvalidParameter", f"{PARAM_OF[fmt]}.{name} must be an integer.")
    param: dict[str, Any] = {
        "RecordInterval": int(raw.get("RecordInterval") or 1800),
        "StorageTime": int(raw.get("StorageTime") or 0),
        "Enable": 1 if raw.get("Enable") == 1 else 0,
        "VodSubAppId": int(raw.get("VodSubAppId") or 0),
        "VodFileName": str(raw.get("VodFileName") or ""),
        "Procedure": str(raw.get("Procedure") or ""),
        "StorageMode": str(raw.get("StorageMode") or "normal"),
        "ClassId": int(raw.get("ClassId") or 0),
        "CosBucketName": str(raw.get("CosBucketName") or ""),
        "CosBucketRegion": str(raw.get("CosBucketRegion") or ""),
        "CosBucketPath": str(raw.get("CosBucketPath") or ""),
    }
    low, high = (60, 7200) if fmt == "aac" else (60, 43200)
    if fmt != "hls" and not low <= param["RecordInterval"] <= high:
        raise ApiError("InvalidParameter", f"{PARAM_OF[fmt]}.RecordInterval must be {low} to {high} s.")
    if not 0 <= param["StorageTime"] <= 1500 * 86400:
        raise ApiError("InvalidParameter", f"{PARAM_OF[fmt]}.StorageTime must be 0 to 1500 days.")
    return param


def _disabled_param() -> dict[str, Any]:
    return _record_param({}, "hls")


class Account:
    def __init__(self, *, config: EmulatorConfig, state: EmulatorState, bind_callbacks: Binding) -> None:
        self.config = config
        self.state = state
        self.bind_callbacks = bind_callbacks

    def actions(self) -> dict[str, Action]:
        params = {f"{PARAM_OF[fmt]}": (OBJECT, False) for fmt in FORMATS}
        urls = {name: (STR, False) for name in CALLBACK_URL_FIELDS}
        domain = {"DomainName": (STR, True)}
        return {
            "DescribeLiveDomains": Action(
                {
                    "DomainStatus": (INT, False),
                    "DomainType": (INT, False),
                    "PageSize": (INT, False),
                    "PageNum": (INT, False),
                    "IsDelayLive": (INT, False),
                    "DomainPrefix": (STR, False),
                    "PlayType": (INT, False),
                },
                self.describe_live_domains,
            ),
            "DescribeLivePushAuthKey": Action(domain, self.describe_push_auth_key),
            "DescribeLivePlayAuthKey": Action(domain, self.describe_play_auth_key),
            "DescribeLiveRecordTemplates": Action(
                {"IsDelayLive": (INT, False)}, self.describe_record_templates
            ),
            "CreateLiveRecordTemplate": Action(
                {
                    "TemplateName": (STR, True),
                    "Description": (STR, False),
                    **params,
                    "IsDelayLive": (INT, False),
                    "HlsSpecialParam": (OBJECT, False),
                    "CosStore": (INT, False),
                    "RemoveWatermark": (BOOL, False),
                    "FlvSpecialParam": (OBJECT, False),
                },
                self.create_record_template,
            ),
            "DescribeLiveCallbackTemplates": Action({}, self.describe_callback_templates),
            "CreateLiveCallbackTemplate": Action(
                {
                    "TemplateName": (STR, True),
                    "Description": (STR, False),
                    **urls,
                    "StreamMixNotifyUrl": (STR, False),
                    "CallbackKey": (STR, False),
                    "RecordExceptionLevels": (STR_LIST, False),
                },
                self.create_callback_template,
            ),
            "DescribeLiveCallbackRules": Action({}, self.describe_callback_rules),
            "CreateLiveCallbackRule": Action(
                {"DomainName": (STR, True), "AppName": (STR, True), "TemplateId": (INT, True)},
                self.create_callback_rule,
            ),
            "DeleteLiveCallbackRule": Action(
                {"DomainName": (STR, True), "AppName": (STR, True)}, self.delete_callback_rule
            ),
        }

    # --- domains and keys ------------------------------------------------------------------------------------

    def _domains(self) -> list[dict[str, Any]]:
        created = _beijing(0)
        return [
            {
                "Name": name,
                "Type": kind,
                "Status": 1,
                "CreateTime": created,
                "BCName": 1,
                "TargetDomain": f"{name}.livecdn.liveplay.myqcloud.com",
                "PlayType": 3 if kind == 1 else 0,
                "IsDelayLive": 0,
                "CurrentCName": f"{name}.livecdn.liveplay.myqcloud.com",
                "RentTag": 0,
                "RentExpireTime": "0000-00-00 00:00:00",
                "IsMiniProgramLive": 0,
            }
            for name, kind in ((self.config.css_push_domain, 0), (self.config.css_play_domain, 1))
        ]

    def describe_live_domains(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        size = params.get("PageSize") or 10
        page = params.get("PageNum") or 1
        if not 10 <= size <= 100 or not 1 <= page <= 100000:
            raise ApiError("InvalidParameter", "PageSize must be 10 to 100 and PageNum 1 to 100000.")
        domains = [
            item
            for item in self._domains()
            if params.get("DomainType") in (None, item["Type"])
            and params.get("DomainStatus") in (None, item["Status"])
            and item["Name"].startswith(params.get("DomainPrefix") or "")
        ]
        return {
            "AllCount": len(domains),
            "DomainList": domains[(page - 1) * size : page * size],
            "CreateLimitCount": 48,
            "PlayTypeCount": [0, 0, 1],
        }

    def _known(self, domain: str, kind: int) -> None:
        if not any(item["Name"] == domain and item["Type"] == kind for item in self._domains()):
            raise ApiError("ResourceNotFound.DomainNotExist", f"The domain {domain!r} does not exist.")

    def describe_push_auth_key(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._known(params["DomainName"], 0)
        key = self.config.css_push_key
        info = {"DomainName": params["DomainName"], "Enable": 1 if key else 0, "MasterAuthKey": key}
        return {"PushAuthKeyInfo": {**info, "BackupAuthKey": "", "AuthDelta": AUTH_DELTA_S}}

    def describe_play_auth_key(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._known(params["DomainName"], 1)
        key = self.config.css_play_key
        info = {"DomainName": params["DomainName"], "Enable": 1 if key else 0, "AuthKey": key}
        return {"PlayAuthKeyInfo": {**info, "AuthDelta": AUTH_DELTA_S, "AuthBackKey": ""}}

    # --- record templates ------------------------------------------------------------------------------------

    def describe_record_templates(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self.state.lock:
            templates = [dict(item) for _, item in sorted(self.state.record_templates.items())]
        return {
            "Templates": [
                item for item in templates if item["IsDelayLive"] == (params.get("IsDelayLive") or 0)
            ]
        }

    def create_record_template(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        if not NAME.match(params["TemplateName"]):
            raise ApiError("InvalidParameter", "TemplateName takes only letters, digits, _ and -.")
        formats = {
            fmt: _record_param(params[PARAM_OF[fmt]], fmt) for fmt in FORMATS if params.get(PARAM_OF[fmt])
        }
        if not any(param["Enable"] for param in formats.values()):
            raise ApiError("InvalidParameter", "Enable at least one recording format.")
        cos = params.get("CosStore") == 1
        for fmt, param in formats.items():
            if cos and param["Enable"]:
                missing = [
                    name for name in ("CosBucketName", "CosBucketRegion", "CosBucketPath") if not param[name]
                ]
                if missing:
                    raise ApiError(
                        "InvalidParameter", f"{PARAM_OF[fmt]}.{missing[0]} is required with CosStore 1."
                    )
                if not param["CosBucketPath"].startswith("/"):
                    raise ApiError("InvalidParameter", f"{PARAM_OF[fmt]}.CosBucketPath must start with /.")
        with self.state.mutate():
            template_id = max(self.state.record_templates, default=0) + 1
            self.state.record_templates[template_id] = {
                "TemplateId": template_id,
                "TemplateName": params["TemplateName"],
                "Description": params.get("Description") or "",
                **{PARAM_OF[fmt]: formats.get(fmt) or _disabled_param() for fmt in FORMATS},
                "IsDelayLive": params.get("IsDelayLive") or 0,
                "HlsSpecialParam": params.get("HlsSpecialParam") or {"FlowContinueDuration": 0},
                "RemoveWatermark": False,
                "CosStore": 1 if cos else 0,
                "FlvSpecialParam": params.get("FlvSpecialParam") or {"UploadInRecording": False},
            }
        return {"TemplateId": template_id}

    def has_record_template(self, template_id: int) -> bool:
        with self.state.lock:
            return template_id in self.state.record_templates

    # --- callbacks -------------------------------------------------------------------------------------------

    def describe_callback_templates(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self.state.lock:
            templates = [dict(item) for _, item in sorted(self.state.callback_templates.items())]
        for item in templates:
            item.pop("RecordStatusNotifyUrl", None)  # set on creation, but not part of CallBackTemplateInfo
        return {"Templates": templates}

    def create_callback_template(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        if not NAME.match(params["TemplateName"]):
            raise ApiError("InvalidParameter", "TemplateName takes only letters, digits, _ and -.")
        for name in CALLBACK_URL_FIELDS:
            url = params.get(name) or ""
            if url and not re.match(r"^https?://[^/\s]+", url):
                raise ApiError("InvalidParameter.InvalidCallbackUrl", f"{name} is not an http(s) URL.")
        with self.state.mutate():
            template_id = max(self.state.callback_templates, default=0) + 1
            self.state.callback_templates[template_id] = {
                "TemplateId": template_id,
                "TemplateName": params["TemplateName"],
                "Description": params.get("Description") or "",
                **{name: params.get(name) or "" for name in CALLBACK_URL_FIELDS},
                "StreamMixNotifyUrl": "",
                "CallbackKey": params.get("CallbackKey") or "",
                "RecordExceptionLevels": params.get("RecordExceptionLevels") or [],
            }
        return {"TemplateId": template_id}

    def describe_callback_rules(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self.state.lock:
            return {"Rules": [dict(rule) for rule in self.state.callback_rules]}

    def create_callback_rule(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._known(params["DomainName"], 0)
        with self.state.mutate():
            template = self.state.callback_templates.get(params["TemplateId"])
            if template is None:
                raise ApiError("InvalidParameter.TemplateNotFound", "The callback template does not exist.")
            key = (params["DomainName"], params["AppName"])
            if any((rule["DomainName"], rule["AppName"]) == key for rule in self.state.callback_rules):
                raise ApiError("FailedOperation.RuleAlreadyExist", "A rule already exists for this domain.")
            now = _beijing(time.time())
            self.state.callback_rules.append(
                {
                    "CreateTime": now,
                    "UpdateTime": now,
                    "TemplateId": params["TemplateId"],
                    "DomainName": params["DomainName"],
                    "AppName": params["AppName"],
                }
            )
        # From now on callbacks about the push domain go where the bound template says, signed with its key.
        url = template["RecordNotifyUrl"] or template["StreamBeginNotifyUrl"]
        if url:
            self.bind_callbacks(url, template["CallbackKey"])
        return {}

    def delete_callback_rule(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        key = (params["DomainName"], params["AppName"])
        with self.state.mutate():
            kept = [
                rule for rule in self.state.callback_rules if (rule["DomainName"], rule["AppName"]) != key
            ]
            if len(kept) == len(self.state.callback_rules):
                raise ApiError("InvalidParameter.RuleNotFound", "No callback rule for this domain and app.")
            self.state.callback_rules = kept
        return {}

    # --- defaults --------------------------------------------------------------------------------------------

    def provision_defaults(self) -> None:
        """Templates 1 (MP4 + HLS to VOD) and 2 (MP4 to COS), as `tencent_setup --apply` creates them."""
        ctx = RequestContext(action="CreateLiveRecordTemplate", region="", client_ip="127.0.0.1")
        vod = {"Enable": 1, "VodSubAppId": self.config.vod_subapp_id}
        self.create_record_template({"TemplateName": "cnr-console", "Mp4Param": vod, "HlsParam": vod}, ctx)
        bucket = self.config.cos_bucket.removesuffix(f"-{self.config.appid}")
        cos = {
            "Enable": 1,
            "CosBucketName": bucket,
            "CosBucketRegion": self.config.cos_region,
            "CosBucketPath": DEFAULT_COS_PATH,
        }
        self.create_record_template({"TemplateName": "cnr-console-cos", "Mp4Param": cos, "CosStore": 1}, ctx)
