"""The account setup calls of CSS (`live` 2018-08-01) and VOD the setup doctor makes: domains, auth keys, record
and callback templates, callback rules, VOD sub-applications. Typed like the rest of `tencent/`, every call through
the gateway (recorded, rate-limited, classified by the error table); creates are not retried (policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tencent.clients import LIVE, VOD
from tencent.gateway import call_api

RECORD_FORMATS = ("flv", "hls", "mp4", "aac", "mp3")
DOMAIN_PAGE_SIZE = 100  # DescribeLiveDomains: 10 to 100
SUB_APP_PAGE_SIZE = 200  # DescribeSubAppIds: at most 200


def _param_name(fmt: str) -> str:
    return f"{fmt.capitalize()}Param"


@dataclass(frozen=True)
class LiveDomain:
    name: str
    type: int  # 0 push, 1 play
    status: int  # 0 disabled, 1 enabled


@dataclass(frozen=True)
class AuthKey:
    enabled: bool
    key: str
    backup_key: str


@dataclass(frozen=True)
class RecordFormat:
    """One format of a record template (RecordParam), only the parts the console depends on."""

    enabled: bool
    vod_sub_app_id: int = 0
    cos_bucket_name: str = ""
    cos_bucket_region: str = ""
    cos_bucket_path: str = ""


@dataclass(frozen=True)
class RecordTemplate:
    template_id: int
    name: str
    cos_store: bool
    formats: dict[str, RecordFormat] = field(default_factory=dict)

    @property
    def enabled_formats(self) -> set[str]:
        return {fmt for fmt, param in self.formats.items() if param.enabled}


@dataclass(frozen=True)
class CallbackTemplate:
    template_id: int
    name: str
    urls: dict[str, str]  # field name → URL (empty ones left out)
    callback_key: str


@dataclass(frozen=True)
class CallbackRule:
    template_id: int
    domain_name: str
    app_name: str


@dataclass(frozen=True)
class SubApp:
    sub_app_id: int
    name: str
    status: str


def describe_live_domains() -> list[LiveDomain]:
    domains: list[LiveDomain] = []
    page = 1
    while True:
        response = call_api(LIVE, "DescribeLiveDomains", {"PageSize": DOMAIN_PAGE_SIZE, "PageNum": page})
        items = response.get("DomainList") or []
        domains.extend(
            LiveDomain(
                name=str(item.get("Name") or ""),
                type=int(item.get("Type") or 0),
                status=int(item.get("Status") or 0),
            )
            for item in items
        )
        if not items or len(domains) >= int(response.get("AllCount") or 0):
            return domains
        page += 1


def describe_push_auth_key(*, domain_name: str) -> AuthKey:
    info = call_api(LIVE, "DescribeLivePushAuthKey", {"DomainName": domain_name}).get("PushAuthKeyInfo") or {}
    return AuthKey(
        enabled=info.get("Enable") == 1,
        key=str(info.get("MasterAuthKey") or ""),
        backup_key=str(info.get("BackupAuthKey") or ""),
    )


def describe_play_auth_key(*, domain_name: str) -> AuthKey:
    info = call_api(LIVE, "DescribeLivePlayAuthKey", {"DomainName": domain_name}).get("PlayAuthKeyInfo") or {}
    return AuthKey(
        enabled=info.get("Enable") == 1,
        key=str(info.get("AuthKey") or ""),
        backup_key=str(info.get("AuthBackKey") or ""),
    )


def _record_template(item: dict[str, Any]) -> RecordTemplate:
    formats = {}
    for fmt in RECORD_FORMATS:
        param = item.get(_param_name(fmt)) or {}
        formats[fmt] = RecordFormat(
            enabled=param.get("Enable") == 1,
            vod_sub_app_id=int(param.get("VodSubAppId") or 0),
            cos_bucket_name=str(param.get("CosBucketName") or ""),
            cos_bucket_region=str(param.get("CosBucketRegion") or ""),
            cos_bucket_path=str(param.get("CosBucketPath") or ""),
        )
    return RecordTemplate(
        template_id=int(item.get("TemplateId") or 0),
        name=str(item.get("TemplateName") or ""),
        cos_store=item.get("CosStore") == 1,
        formats=formats,
    )


def describe_record_templates() -> list[RecordTemplate]:
    response = call_api(LIVE, "DescribeLiveRecordTemplates", {})
    return [_record_template(item) for item in response.get("Templates") or []]


def create_record_template(
    *,
    name: str,
    formats: list[str],
    vod_sub_app_id: int = 0,
    cos_bucket_name: str = "",
    cos_bucket_region: str = "",
    cos_bucket_path: str = "",
    description: str = "",
) -> int:
    """A template recording `formats` into VOD (the sub-application when non-zero) or, with a COS bucket, into
    COS under `cos_bucket_path`; returns its TemplateId."""
    param: dict[str, Any] = {"Enable": 1}
    if cos_bucket_name:
        param.update(
            CosBucketName=cos_bucket_name, CosBucketRegion=cos_bucket_region, CosBucketPath=cos_bucket_path
        )
    elif vod_sub_app_id:
        param["VodSubAppId"] = vod_sub_app_id
    params: dict[str, Any] = {"TemplateName": name, **{_param_name(fmt): dict(param) for fmt in formats}}
    if description:
        params["Description"] = description
    if cos_bucket_name:
        params["CosStore"] = 1
    return int(call_api(LIVE, "CreateLiveRecordTemplate", params).get("TemplateId") or 0)


CALLBACK_URL_FIELDS = (
    "StreamBeginNotifyUrl",
    "StreamEndNotifyUrl",
    "RecordNotifyUrl",
    "RecordStatusNotifyUrl",
    "SnapshotNotifyUrl",
    "PushExceptionNotifyUrl",
    "RecordExceptionNotifyUrl",
)


def describe_callback_templates() -> list[CallbackTemplate]:
    response = call_api(LIVE, "DescribeLiveCallbackTemplates", {})
    return [
        CallbackTemplate(
            template_id=int(item.get("TemplateId") or 0),
            name=str(item.get("TemplateName") or ""),
            urls={name: str(item[name]) for name in CALLBACK_URL_FIELDS if item.get(name)},
            callback_key=str(item.get("CallbackKey") or ""),
        )
        for item in response.get("Templates") or []
    ]


def create_callback_template(*, name: str, url: str, callback_key: str, description: str = "") -> int:
    """A template sending every event the console handles to `url`, signed with `callback_key`."""
    params: dict[str, Any] = {"TemplateName": name, "CallbackKey": callback_key}
    params.update({field_name: url for field_name in CALLBACK_URL_FIELDS})
    if description:
        params["Description"] = description
    return int(call_api(LIVE, "CreateLiveCallbackTemplate", params).get("TemplateId") or 0)


def describe_callback_rules() -> list[CallbackRule]:
    response = call_api(LIVE, "DescribeLiveCallbackRules", {})
    return [
        CallbackRule(
            template_id=int(item.get("TemplateId") or 0),
            domain_name=str(item.get("DomainName") or ""),
            app_name=str(item.get("AppName") or ""),
        )
        for item in response.get("Rules") or []
    ]


def create_callback_rule(*, domain_name: str, app_name: str, template_id: int) -> None:
    call_api(
        LIVE,
        "CreateLiveCallbackRule",
        {"DomainName": domain_name, "AppName": app_name, "TemplateId": template_id},
    )


def delete_callback_rule(*, domain_name: str, app_name: str) -> None:
    call_api(LIVE, "DeleteLiveCallbackRule", {"DomainName": domain_name, "AppName": app_name})


def describe_sub_app_ids() -> list[SubApp]:
    apps: list[SubApp] = []
    while True:
        response = call_api(VOD, "DescribeSubAppIds", {"Offset": len(apps), "Limit": SUB_APP_PAGE_SIZE})
        items = response.get("SubAppIdInfoSet") or []
        apps.extend(
            SubApp(
                sub_app_id=int(item.get("SubAppId") or 0),
                name=str(item.get("SubAppIdName") or item.get("Name") or ""),
                status=str(item.get("Status") or ""),
            )
            for item in items
        )
        if not items or len(apps) >= int(response.get("TotalCount") or 0):
            return apps
