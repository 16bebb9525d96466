"""What each error code means for the action that answered it: try again, give up, or take a special step.

One table per action the console calls, each entry with where it comes from. The per-action lists are the error
codes each API page documents (section "Error Code" of https://www.tencentcloud.com/document/api/1158/… for CAR,
…/267/… for CSS, …/266/… for VOD) and the SDK's `errorcodes.py` of the service, whose comments say what a code
means; whether a code is worth retrying is read from that meaning. A code not in an action's table falls back to
the common table (Tencent's common error codes), and a code in neither is permanent: a retry of an unknown error
is more likely to repeat a mistake than to fix it.

`InternalError` on its own is Tencent's "try again later" and is transient everywhere; its sub-codes are mostly
not (CSS's InternalError.PushDomainNoRecord, .InvalidInput, .NotFound… describe the request or the account), so
only those naming a passing fault of Tencent's own (database, network, a service it calls) are transient.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TRANSIENT = "transient"  # the same call may succeed later: retry with back-off
    PERMANENT = "permanent"  # retrying cannot help: report it
    GONE = "gone"  # the thing to stop or release does not exist (any more): the wanted end state holds
    NO_IDLE = "no_idle"  # no free CAR concurrency: wait (bounded) for one to be freed
    REAPPLY = "reapply"  # the applied concurrency lapsed: ApplyConcurrent again, then repeat the call


@dataclass(frozen=True)
class Rule:
    kind: Kind
    source: str


SDK_CAR = "SDK tencentcloud/car/v20220110/errorcodes.py"
SDK_LIVE = "SDK tencentcloud/live/v20180801/errorcodes.py"
SDK_VOD = "SDK tencentcloud/vod/v20180717/errorcodes.py"
COMMON_DOC = "Tencent Cloud API 3.0 common error codes (linked from every API page)"
CAR_DOC = "CAR API page 'Error Code' (document/api/1158/{page})"
CSS_DOC = "CSS API page 'Error Code' (document/api/267/{page})"
VOD_DOC = "VOD API page (document/api/266/{page})"

T, P, G = Kind.TRANSIENT, Kind.PERMANENT, Kind.GONE


def _rules(kind: Kind, source: str, *codes: str) -> dict[str, Rule]:
    return {code: Rule(kind, source) for code in codes}


# Every action, unless its own table says otherwise. Matching is by dotted prefix: "RequestLimitExceeded" also
# covers "RequestLimitExceeded.UinLimitExceeded" and the gateway's own "RequestLimitExceeded.GatewayQueue".
COMMON: dict[str, Rule] = {
    **_rules(T, COMMON_DOC + ": request rate over the limit", "RequestLimitExceeded"),
    **_rules(T, SDK_LIVE + ": LIMITEXCEEDED_RATELIMITEXCEEDED", "LimitExceeded.RateLimitExceeded"),
    **_rules(T, "tencentcloud-sdk-python: the request never got an answer", "ClientNetworkError"),
    **_rules(
        T, "tencentcloud-sdk-python: HTTP failure or a body that is not Tencent's", "ServerNetworkError"
    ),
    **_rules(
        P, COMMON_DOC + ": signature, credentials or permissions", "AuthFailure", "UnauthorizedOperation"
    ),
    **_rules(
        P,
        COMMON_DOC + ": the request itself is wrong",
        "InvalidParameter",
        "InvalidParameterValue",
        "MissingParameter",
        "UnknownParameter",
        "InvalidAction",
        "UnsupportedOperation",
        "UnsupportedProtocol",
        "UnsupportedRegion",
        "InvalidRequest",
    ),
    **_rules(
        P, COMMON_DOC + ": account in arrears / service not open", "ResourceUnavailable", "OperationDenied"
    ),
    **_rules(P, COMMON_DOC + ": ResourceNotFound", "ResourceNotFound"),
    **_rules(P, COMMON_DOC + ": FailedOperation", "FailedOperation"),
    **_rules(P, COMMON_DOC + ": LimitExceeded (quota)", "LimitExceeded"),
}

# Matched exactly: bare InternalError is "try again later", its sub-codes are judged one by one (an unlisted
# InternalError.* is permanent, see the module docstring).
COMMON_EXACT: dict[str, Rule] = _rules(T, COMMON_DOC + ": InternalError, internal error", "InternalError")

# CAR (2022-01-10): the UserId's concurrency and session.
_CAR_BUSY = {
    # SDK comment: the request of this UserId is still being processed, try later.
    **_rules(
        T, SDK_CAR + ": FAILEDOPERATION_SLOWDOWN (UserId still being processed)", "FailedOperation.SlowDown"
    ),
    # "初始化中" — the instance is still starting.
    **_rules(T, SDK_CAR + ": RESOURCEUNAVAILABLE_INITIALIZATION", "ResourceUnavailable.Initialization"),
    # "处理超时" — the call timed out inside CAR; it is idempotent per UserId, so asking again is safe.
    **_rules(T, SDK_CAR + ": FAILEDOPERATION_PROCESSTIMEOUT", "FailedOperation.ProcessTimeout"),
    # "访问并发实例失败" — the instance could not be reached this time.
    **_rules(T, SDK_CAR + ": RESOURCEUNAVAILABLE_ACCESSFAILED", "ResourceUnavailable.AccessFailed"),
    # "销毁会话中" — a previous session of the UserId is being destroyed; it is gone in a moment.
    **_rules(T, SDK_CAR + ": UNSUPPORTEDOPERATION_STOPPING", "UnsupportedOperation.Stopping"),
}
_CAR_SESSION_GONE = _rules(
    G, SDK_CAR + ": RESOURCENOTFOUND_SESSIONNOTFOUND", "ResourceNotFound.SessionNotFound"
)

CAR_TABLES: dict[str, dict[str, Rule]] = {
    "ApplyConcurrent": {
        **_CAR_BUSY,
        **_rules(Kind.NO_IDLE, SDK_CAR + ": RESOURCENOTFOUND_NOIDLE", "ResourceNotFound.NoIdle"),
        **_rules(P, CAR_DOC.format(page=49969) + ": wrong project/app/version", "InvalidParameterValue"),
    },
    "CreateSession": {
        **_CAR_BUSY,
        # "未申请并发或申请后超时" — no concurrency applied, or it lapsed: apply again, then create.
        **_rules(Kind.REAPPLY, SDK_CAR + ": FAILEDOPERATION_LOCKTIMEOUT", "FailedOperation.LockTimeout"),
        **_rules(P, CAR_DOC.format(page=49968) + ": ClientSession/RunMode rejected", "InvalidParameter"),
    },
    "StartPublishStream": {
        **_CAR_BUSY,
        # Without a session there is nothing to push from: the start cannot go on as it is.
        **_rules(P, SDK_CAR + ": RESOURCENOTFOUND_SESSIONNOTFOUND", "ResourceNotFound.SessionNotFound"),
        **_rules(P, CAR_DOC.format(page=56682) + ": FailedOperation", "FailedOperation"),
    },
    "StopPublishStream": {
        **_CAR_BUSY,
        **_CAR_SESSION_GONE,
        # Documented without detail; CAR answers it when no push is running. DestroySession ends a push anyway,
        # so the stop goes on to it (see recordings/sessions/services/stopping.py).
        **_rules(P, CAR_DOC.format(page=56681) + ": FailedOperation", "FailedOperation"),
    },
    "DestroySession": {
        **_CAR_BUSY,
        **_CAR_SESSION_GONE,
        **_rules(
            T,
            CAR_DOC.format(page=49967) + ": FailedOperation.ProcessTimeout",
            "FailedOperation.ProcessTimeout",
        ),
    },
    "DescribeConcurrentCount": {**_CAR_BUSY},
}

# CSS (live 2018-08-01). InternalError sub-codes that name a passing fault of Tencent's own.
_CSS_INTERNAL_TRANSIENT = _rules(
    T,
    SDK_LIVE + ": internal DB/network/service faults",
    "InternalError.SystemError",
    "InternalError.NetworkError",
    "InternalError.ConnectDbError",
    "InternalError.DBError",
    "InternalError.CallOtherSvrError",
    "InternalError.GetConfigError",
    "InternalError.GetBizidError",
    "InternalError.UpdateDataError",
    "FailedOperation.CallOtherSvrError",
    "FailedOperation.CallOtherSvrFailed",
    "FailedOperation.DatabaseNotAccessible",
    "FailedOperation.RelateServerNotAccessible",
    "FailedOperation.NetworkError",
)
# The rest of InternalError.* describe the request, the account or its configuration: retrying cannot help.
_CSS_INTERNAL_PERMANENT = _rules(
    P,
    SDK_LIVE + ": InternalError sub-codes about the request or the account",
    "InternalError.PushDomainNoRecord",
    "InternalError.PlayDomainNoRecord",
    "InternalError.DomainNotExist",
    "InternalError.InvalidInput",
    "InternalError.InvalidRequest",
    "InternalError.InvalidUser",
    "InternalError.NotFound",
    "InternalError.NotPermmitOperat",
    "InternalError.ConfNotFound",
    "InternalError.ConfigNotExist",
    "InternalError.RuleNotFound",
    "InternalError.RuleOutLimit",
    "InternalError.ConfOutLimit",
    "InternalError.JiFeiOtherError",
    "InternalError.StreamStatusError",
    "InternalError.HasNotLivingStream",
)
_CSS_BASE = {**_CSS_INTERNAL_TRANSIENT, **_CSS_INTERNAL_PERMANENT}
_TASK_GONE = _rules(
    G,
    SDK_LIVE + ": RESOURCENOTFOUND_TASKID / _TASKNOTFOUND, INVALIDPARAMETER_TASKNOTEXIST",
    "ResourceNotFound.TaskId",
    "ResourceNotFound.TaskNotFound",
    "InvalidParameter.TaskNotExist",
)

CSS_TABLES: dict[str, dict[str, Rule]] = {
    "CreateRecordTask": {
        **_CSS_BASE,
        **_rules(
            P,
            CSS_DOC.format(page=37309) + ": task time, template or task limits",
            "InvalidParameter.InvalidTaskTime",
            "InvalidParameter.TaskNumMoreThanLimit",
            "LimitExceeded.MaximumRunningTask",
            "LimitExceeded.MaximumTask",
            "ResourceNotFound.TemplateNotExists",
            "ResourceUnavailable.InvalidVodStatus",
        ),
    },
    # A task that no longer exists or already ended needs no stop (the stop's wanted state holds).
    "StopRecordTask": {
        **_CSS_BASE,
        **_TASK_GONE,
        **_rules(
            G,
            SDK_LIVE + ": FAILEDOPERATION_ALTERTASKSTATE (task already ended)",
            "FailedOperation.AlterTaskState",
        ),
    },
    "DeleteRecordTask": {**_CSS_BASE, **_TASK_GONE},
    "DescribeRecordTask": {**_CSS_BASE},
    "DescribeLiveStreamState": {**_CSS_BASE},
    "DescribeLiveStreamOnlineList": {**_CSS_BASE},
    "DescribeLiveStreamPushInfoList": {**_CSS_BASE},
    "DescribeStreamPushInfoList": {**_CSS_BASE},
    "DropLiveStream": {
        **_CSS_BASE,
        **_rules(G, SDK_LIVE + ": INTERNALERROR_HASNOTLIVINGSTREAM", "InternalError.HasNotLivingStream"),
        **_rules(G, SDK_LIVE + ": FAILEDOPERATION_HASNOTLIVINGSTREAM", "FailedOperation.HasNotLivingStream"),
        **_rules(G, SDK_LIVE + ": RESOURCEUNAVAILABLE_STREAMNOTEXIST", "ResourceUnavailable.StreamNotExist"),
    },
    "DescribePushBandwidthAndFluxList": {**_CSS_BASE},
    "DescribeBillBandwidthAndFluxList": {**_CSS_BASE},
    "DescribeConcurrentRecordStreamNum": {**_CSS_BASE},
    # The setup doctor (tencent/setup.py): reads, and creates the user asked for; nothing to retry beyond the base.
    **{
        action: {**_CSS_BASE}
        for action in (
            "DescribeLiveDomains",
            "DescribeLivePushAuthKey",
            "DescribeLivePlayAuthKey",
            "DescribeLiveRecordTemplates",
            "CreateLiveRecordTemplate",
            "DescribeLiveCallbackTemplates",
            "CreateLiveCallbackTemplate",
            "DescribeLiveCallbackRules",
            "CreateLiveCallbackRule",
            "DeleteLiveCallbackRule",
        )
    },
}

_VOD_BASE = {
    **_rules(
        T,
        SDK_VOD + ": internal DB/network faults",
        "InternalError.DBError",
        "InternalError.GetMediaListError",
        "InternalError.GetFileInfoError",
        "InternalError.UpdateMediaError",  # SDK: "update media info failed" (internal): a write of its own
        "FailedOperation.DBError",
        "FailedOperation.NetWorkError",
    ),
    # "时间解析错误": the time sent cannot be parsed; asking again sends the same time.
    **_rules(P, SDK_VOD + ": INTERNALERROR_TIMEPARSEERROR", "InternalError.TimeParseError"),
}
VOD_TABLES: dict[str, dict[str, Rule]] = {
    "SearchMedia": {**_VOD_BASE},
    "DescribeMediaInfos": {**_VOD_BASE},
    "DescribeStorageData": {**_VOD_BASE},
    "DescribeSubAppIds": {**_VOD_BASE},
    "DeleteMedia": {
        **_VOD_BASE,
        **_rules(G, SDK_VOD + ": RESOURCENOTFOUND_FILENOTEXIST", "ResourceNotFound.FileNotExist"),
    },
    # Storage lifecycle. A class change or restore of a file that is gone cannot be made good by asking again.
    "ModifyMediaStorageClass": {
        **_VOD_BASE,
        **_rules(
            P,
            VOD_DOC.format(page=46008) + ": class change not allowed, or tier missing or wrong",
            "InvalidParameterValue.StorageClass",
            "InvalidParameterValue.UnsupportedStorageClass",
            "InvalidParameterValue.RestoreTier",
            "InvalidParameterValue.UnsupportedRestoreTier",
            "InvalidParameterValue.OriginalStorageClass",
        ),
        # "任务重复": a retrieval of the file is still running; the same change goes through once it is done.
        **_rules(T, SDK_VOD + ": FAILEDOPERATION_TASKDUPLICATE", "FailedOperation.TaskDuplicate"),
    },
    "RestoreMedia": {
        **_VOD_BASE,
        **_rules(
            P,
            VOD_DOC.format(page=48378) + ": not an archive class, RestoreDay or tier wrong",
            "InvalidParameterValue.OriginalStorageClass",
            "InvalidParameterValue.RestoreDay",
            "InvalidParameterValue.RestoreTier",
            "InvalidParameterValue.UnsupportedRestoreTier",
        ),
        # A restore of the file is already running: what the call asks for is under way.
        **_rules(G, SDK_VOD + ": FAILEDOPERATION_TASKDUPLICATE", "FailedOperation.TaskDuplicate"),
    },
    "ModifyMediaInfo": {
        **_VOD_BASE,
        **_rules(
            P,
            SDK_VOD + ": INVALIDPARAMETERVALUE_EXPIRETIME / _EXPIREDTIME / INVALIDPARAMETER_EXPIRETIME",
            "InvalidParameterValue.ExpireTime",
            "InvalidParameterValue.ExpiredTime",
            "InvalidParameter.ExpireTime",
        ),
        # Setting or clearing the expiry of a file that no longer exists: nothing is left to keep or delete.
        **_rules(G, SDK_VOD + ": RESOURCENOTFOUND_FILENOTEXIST", "ResourceNotFound.FileNotExist"),
    },
    "PullEvents": {**_VOD_BASE},
    # A handle older than 30 s answers a parameter error (4000): confirming it again cannot work, and Tencent
    # offers the event again to the next pull, so the caller just goes on.
    "ConfirmEvents": {
        **_VOD_BASE,
        **_rules(
            P,
            VOD_DOC.format(page=34184) + ": handle no longer valid (older than 30 s)",
            "InvalidParameterValue",
            "InvalidParameter",
        ),
    },
    "ModifyEventConfig": {**_VOD_BASE},
    "DescribeEventConfig": {**_VOD_BASE},
    "DescribeStorageDetails": {**_VOD_BASE},
    "DescribeCDNUsageData": {**_VOD_BASE},
}

# COS answers with its own codes; the gateway names them (HTTP status when there is none).
COS_TABLES: dict[str, dict[str, Rule]] = {
    action: {
        **_rules(T, "COS XML API error codes: SlowDown", "SlowDown"),
        **_rules(T, "COS error codes: InternalError (500)", "InternalError"),
        **_rules(
            P,
            "COS error codes: AccessDenied / InvalidAccessKeyId / SignatureDoesNotMatch (403)",
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
        ),
        **_rules(P, "COS error codes: NoSuchBucket (404)", "NoSuchBucket"),
        **_rules(T, "COS error codes: ServiceUnavailable", "ServiceUnavailable"),
        **_rules(T, "COS error codes: HTTP 5xx", "HTTP500", "HTTP502", "HTTP503", "HTTP504"),
    }
    for action in ("ListObjects", "DeleteObject", "HeadObject", "CopyObject", "RestoreObject")
}
for _action in ("DeleteObject", "HeadObject", "CopyObject", "RestoreObject"):
    COS_TABLES[_action].update(_rules(G, "COS error codes: NoSuchKey", "NoSuchKey"))
# A HEAD answer has no body: cos-python-sdk-v5 names a missing object NoSuchResource (a bare 404 otherwise).
COS_TABLES["HeadObject"].update(
    _rules(G, "cos-python-sdk-v5: HEAD 404 without a body", "NoSuchResource", "HTTP404")
)
# An archived object must be restored before it can be copied (to change its class) or read.
COS_TABLES["CopyObject"].update(
    _rules(P, "COS error codes: InvalidObjectState (archived, not restored)", "InvalidObjectState")
)
COS_TABLES["RestoreObject"].update(
    {
        **_rules(P, "COS error codes: InvalidObjectState (not an archive class)", "InvalidObjectState"),
        # A restore of the object is already running: what the call asks for is under way.
        **_rules(G, "COS POST Object restore: 409 RestoreAlreadyInProgress", "RestoreAlreadyInProgress"),
    }
)

TABLES: dict[str, dict[str, Rule]] = {**CAR_TABLES, **CSS_TABLES, **VOD_TABLES, **COS_TABLES}

DEFAULT = Rule(Kind.PERMANENT, "not listed for this action or in the common codes: permanent by default")


def code_matches(code: str, prefix: str) -> bool:
    """Dotted-prefix match: "ResourceNotFound" matches "ResourceNotFound.NoIdle" but not "ResourceNotFoundX"."""
    return code == prefix or code.startswith(prefix + ".")


def _lookup(table: dict[str, Rule], code: str) -> Rule | None:
    # The longest matching prefix wins: "FailedOperation.SlowDown" before "FailedOperation".
    best = max((prefix for prefix in table if code_matches(code, prefix)), key=len, default=None)
    return table[best] if best is not None else None


def classify(action: str, code: str) -> Rule:
    """The rule for `code` answered by `action`: the action's table, else the common one, else permanent."""
    own = _lookup(TABLES.get(action, {}), code)
    if own is not None:
        return own
    return COMMON_EXACT.get(code) or _lookup(COMMON, code) or DEFAULT
