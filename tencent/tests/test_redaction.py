from __future__ import annotations

from tencent.redaction import REDACTED, is_secret_name, redact


def test_secret_named_parameters_are_replaced() -> None:
    params = {
        "SecretId": "AKIDxxx",
        "SecretKey": "abc",
        "Token": "tok",
        "Sign": "deadbeef",
        "PushKey": "pk",
        "Password": "pw",
        "UserId": "room-7",
        "Key": "record/room-7/a.mp4",
        "MaxKeys": 1000,
        "Empty": {"ClientSession": "", "AuthToken": None},
    }
    assert redact(params) == {
        "SecretId": REDACTED,
        "SecretKey": REDACTED,
        "Token": REDACTED,
        "Sign": REDACTED,
        "PushKey": REDACTED,
        "Password": REDACTED,
        "UserId": "room-7",
        "Key": "record/room-7/a.mp4",
        "MaxKeys": 1000,
        "Empty": {"ClientSession": "", "AuthToken": None},
    }


def test_secrets_embedded_in_values_are_replaced_in_nested_structures() -> None:
    value = {
        "PublishStreamArgs": "txSecret=f85a2ab3&txTime=5C271099",
        "Urls": ["https://x/a.mp4?sign=abc&t=5c27", "https://x/b?q-signature=zzz&x-cos-security-token=ttt"],
        "ApplicationParameters": "room=7 token=s3cr3t",
    }
    assert redact(value) == {
        "PublishStreamArgs": "txSecret=***&txTime=5C271099",
        "Urls": ["https://x/a.mp4?sign=***&t=5c27", "https://x/b?q-signature=***&x-cos-security-token=***"],
        "ApplicationParameters": "room=7 token=***",
    }


def test_non_json_values_become_strings_and_the_input_is_untouched() -> None:
    original = {"When": object.__class__, "N": [1, 2.5, True, None]}
    result = redact(original)
    assert result["N"] == [1, 2.5, True, None] and isinstance(result["When"], str)
    assert original["N"] == [1, 2.5, True, None]


def test_names() -> None:
    assert is_secret_name("txSecret") and is_secret_name("authorization") and is_secret_name("SecretKey")
    assert not is_secret_name("Key") and not is_secret_name("MaxKeys") and not is_secret_name("StreamName")
