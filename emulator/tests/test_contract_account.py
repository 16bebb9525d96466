"""The account setup APIs through the unmodified SDK (Tencent's request and response shapes), and CreateRecordTask's
checks of Region, TemplateId and the VOD sub-application."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.live.v20180801 import live_client

from emulator.record_outputs import Output, cos_key
from emulator.testing import RunningEmulator
from emulator.tests.sdk import Clients, call, sdk_profile

pytestmark = pytest.mark.emulator


def code_of(client: Any, action: str, **params: Any) -> str:
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(client, action, **params)
    return str(excinfo.value.code)


def test_domains_and_auth_keys(emu: RunningEmulator, clients: Clients) -> None:
    domains = call(clients.live, "DescribeLiveDomains")["DomainList"]
    assert {(d["Name"], d["Type"], d["Status"]) for d in domains} == {
        ("push.emulator.local", 0, 1),
        ("play.emulator.local", 1, 1),
    }
    assert [d["Name"] for d in call(clients.live, "DescribeLiveDomains", DomainType=1)["DomainList"]] == [
        "play.emulator.local"
    ]
    push = call(clients.live, "DescribeLivePushAuthKey", DomainName="push.emulator.local")["PushAuthKeyInfo"]
    assert (push["Enable"], push["MasterAuthKey"]) == (1, "emulatorpushkey")
    play = call(clients.live, "DescribeLivePlayAuthKey", DomainName="play.emulator.local")["PlayAuthKeyInfo"]
    assert (play["Enable"], play["AuthKey"]) == (1, "emulatorplaykey")
    assert code_of(clients.live, "DescribeLivePushAuthKey", DomainName="nope.example.com") == (
        "ResourceNotFound.DomainNotExist"
    )


def test_record_templates_are_created_and_described(emu: RunningEmulator, clients: Clients) -> None:
    # The test emulator starts provisioned: 1 = MP4 + HLS to VOD, 2 = MP4 to COS.
    before = call(clients.live, "DescribeLiveRecordTemplates")["Templates"]
    assert [(t["TemplateId"], t["CosStore"]) for t in before] == [(1, 0), (2, 1)]
    assert before[1]["Mp4Param"]["CosBucketPath"] == "/record/{StreamID}/"
    created = call(
        clients.live,
        "CreateLiveRecordTemplate",
        TemplateName="flv-only",
        FlvParam={"Enable": 1, "RecordInterval": 600, "VodSubAppId": 0},
    )
    [template] = [
        t
        for t in call(clients.live, "DescribeLiveRecordTemplates")["Templates"]
        if t["TemplateId"] == created["TemplateId"]
    ]
    assert (template["TemplateName"], template["FlvParam"]["Enable"], template["Mp4Param"]["Enable"]) == (
        "flv-only",
        1,
        0,
    )
    assert code_of(
        clients.live, "CreateLiveRecordTemplate", TemplateName="bad name!", Mp4Param={"Enable": 1}
    ) == ("InvalidParameter")
    no_path = {"Enable": 1, "CosBucketName": "b", "CosBucketRegion": "ap-singapore"}
    assert code_of(
        clients.live, "CreateLiveRecordTemplate", TemplateName="c", Mp4Param=no_path, CosStore=1
    ) == ("InvalidParameter")


def test_callback_template_and_rule(emu: RunningEmulator, clients: Clients) -> None:
    url = "http://127.0.0.1:9/callbacks/css/"
    template_id = call(
        clients.live,
        "CreateLiveCallbackTemplate",
        TemplateName="console",
        StreamBeginNotifyUrl=url,
        RecordNotifyUrl=url,
        CallbackKey="k",
    )["TemplateId"]
    [template] = call(clients.live, "DescribeLiveCallbackTemplates")["Templates"]
    assert (template["TemplateId"], template["RecordNotifyUrl"], template["CallbackKey"]) == (
        template_id,
        url,
        "k",
    )
    assert code_of(
        clients.live, "CreateLiveCallbackTemplate", TemplateName="x", RecordNotifyUrl="ftp://x"
    ) == ("InvalidParameter.InvalidCallbackUrl")
    rule = {"DomainName": "push.emulator.local", "AppName": "live"}
    assert (
        code_of(clients.live, "CreateLiveCallbackRule", **rule, TemplateId=99)
        == "InvalidParameter.TemplateNotFound"
    )
    call(clients.live, "CreateLiveCallbackRule", **rule, TemplateId=template_id)
    [bound] = call(clients.live, "DescribeLiveCallbackRules")["Rules"]
    assert (bound["DomainName"], bound["AppName"], bound["TemplateId"]) == (
        "push.emulator.local",
        "live",
        template_id,
    )
    assert code_of(clients.live, "CreateLiveCallbackRule", **rule, TemplateId=template_id) == (
        "FailedOperation.RuleAlreadyExist"
    )
    call(clients.live, "DeleteLiveCallbackRule", **rule)
    assert call(clients.live, "DescribeLiveCallbackRules")["Rules"] == []


def test_describe_sub_app_ids(emu: RunningEmulator, clients: Clients) -> None:
    assert call(clients.vod, "DescribeSubAppIds")["SubAppIdInfoSet"] == []


def task(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "StreamName": "s",
        "DomainName": "push.emulator.local",
        "AppName": "live",
        "EndTime": now + 60,
        **extra,
    }


def test_create_record_task_checks_template_region_and_sub_app(
    emu: RunningEmulator, clients: Clients
) -> None:
    assert (
        code_of(clients.live, "CreateRecordTask", **task(TemplateId=42))
        == "ResourceNotFound.TemplateNotExists"
    )
    assert call(clients.live, "CreateRecordTask", **task(TemplateId=1))["TaskId"]
    assert call(clients.live, "CreateRecordTask", **task(StreamName="t"))["TaskId"]  # no template: HLS to VOD
    into_missing_app = call(
        clients.live,
        "CreateLiveRecordTemplate",
        TemplateName="elsewhere",
        Mp4Param={"Enable": 1, "VodSubAppId": 1500000009},
    )["TemplateId"]
    assert code_of(clients.live, "CreateRecordTask", **task(StreamName="u", TemplateId=into_missing_app)) == (
        "ResourceUnavailable.InvalidVodStatus"
    )
    secret_id, secret_key = next(iter(emu.config.credentials.items()))
    elsewhere = live_client.LiveClient(
        credential.Credential(secret_id, secret_key), "xx-nowhere-1", sdk_profile(emu.endpoint)
    )
    assert code_of(elsewhere, "CreateRecordTask", **task(StreamName="v")) == "UnsupportedRegion"


def test_cos_keys_follow_the_template_path() -> None:
    fields: dict[str, Any] = {
        "stream_name": "room",
        "domain_name": "d",
        "app_name": "live",
        "task_id": "t",
        "at": 0,
    }
    folder = Output("mp4", "cos", cos_path="/record/{StreamID}/")
    assert cos_key(folder, basename="room_a_b", extension="mp4", **fields) == "record/room/room_a_b.mp4"
    named = Output("mp4", "cos", cos_path="/{RecordSource}/{AppName}/{StreamID}/{StartYear}{StartMonth}")
    assert cos_key(named, basename="x", extension="mp4", **fields) == "origin/live/room/197001.mp4"
