from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tencent import signing
from tencent.signing import CallbackRejected

EXPIRES = datetime.fromtimestamp(0x5C271099, tz=UTC)


def test_tx_secret_matches_tencents_worked_example() -> None:
    secret = signing.tx_secret(
        key="e12c46f2612d5106e2034781ab261ca3", stream_name="test", tx_time_hex="5C271099"
    )
    assert secret == "f85a2ab363fe4deaffef9754d79da6fe"


def test_push_url_uses_uppercase_hex_tx_time(settings: Any) -> None:
    settings.CSS_PUSH_KEY = "e12c46f2612d5106e2034781ab261ca3"
    settings.CSS_PUSH_DOMAIN = "push.example.com"
    settings.CSS_APP_NAME = "live"

    url = signing.css_push_url(stream_name="test", expires_at=EXPIRES)

    assert (
        url == "rtmp://push.example.com/live/test?txSecret=f85a2ab363fe4deaffef9754d79da6fe&txTime=5C271099"
    )


def test_play_urls_sign_with_the_play_key_and_use_the_play_base(settings: Any) -> None:
    settings.CSS_PLAY_KEY = "playkey"
    settings.CSS_PLAY_DOMAIN = "play.example.com"
    settings.CSS_PLAY_BASE_URL = "http://127.0.0.1:9999/"
    expected = hashlib.md5(b"playkeyroom-1" + b"5C271099").hexdigest()

    urls = signing.css_play_urls(stream_name="room-1", expires_at=EXPIRES, app_name="app")

    query = f"txSecret={expected}&txTime=5C271099"
    assert urls.hls == f"http://127.0.0.1:9999/app/room-1.m3u8?{query}"
    assert urls.flv == f"http://127.0.0.1:9999/app/room-1.flv?{query}"
    assert urls.rtmp == f"rtmp://play.example.com/app/room-1?{query}"
    assert urls.webrtc == f"webrtc://play.example.com/app/room-1?{query}"
    assert urls.expires_at == EXPIRES


def test_play_urls_default_to_https_on_the_play_domain(settings: Any) -> None:
    settings.CSS_PLAY_BASE_URL = ""
    settings.CSS_PLAY_DOMAIN = "play.example.com"
    assert signing.css_play_urls(stream_name="s", expires_at=EXPIRES).hls.startswith(
        "https://play.example.com/live/s.m3u8?"
    )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        signing.css_push_url(stream_name="s", expires_at=datetime(2030, 1, 1))


def test_callback_sign_is_md5_of_key_and_t() -> None:
    assert signing.callback_sign(key="k", t=1545030873) == hashlib.md5(b"k1545030873").hexdigest()


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _payload(key: str = "cbkey", t: int | None = None) -> dict[str, Any]:
    t = int((NOW + timedelta(minutes=10)).timestamp()) if t is None else t
    return {"event_type": 1, "t": t, "sign": signing.callback_sign(key=key, t=t)}


def test_a_valid_callback_passes() -> None:
    signing.verify_css_callback(payload=_payload(), key="cbkey", now=NOW)


def test_the_callback_key_defaults_to_the_setting(settings: Any) -> None:
    settings.CSS_CALLBACK_KEY = "fromsettings"
    signing.verify_css_callback(payload=_payload("fromsettings"), now=NOW)
    with pytest.raises(CallbackRejected):
        signing.verify_css_callback(payload=_payload("other"), now=NOW)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"event_type": 1}, "missing t or sign"),
        ({**_payload(), "sign": ""}, "missing t or sign"),
        ({**_payload(), "t": "soon"}, "t is not a unix time"),
        ({**_payload(), "sign": "0" * 32}, "bad sign"),
        (_payload("another-key"), "bad sign"),
        (_payload(t=int((NOW - timedelta(seconds=1)).timestamp())), "expired t"),
    ],
)
def test_bad_callbacks_are_rejected(payload: dict[str, Any], reason: str) -> None:
    with pytest.raises(CallbackRejected) as caught:
        signing.verify_css_callback(payload=payload, key="cbkey", now=NOW)
    assert caught.value.reason == reason


def test_vod_hotlink_uses_lowercase_hex_and_the_directory(settings: Any) -> None:
    url = "http://1250000000.vod2.myqcloud.com/dir1/dir2/f0.mp4?foo=1"

    signed = signing.vod_hotlink_url(url=url, expires_at=EXPIRES, key="vodkey")

    parts = urlsplit(signed)
    query = parse_qs(parts.query)
    assert parts.path == "/dir1/dir2/f0.mp4"
    assert query["t"] == ["5c271099"]
    assert query["sign"] == [hashlib.md5(b"vodkey/dir1/dir2/5c271099").hexdigest()]
    assert query["foo"] == ["1"]


def test_vod_hotlink_replaces_an_old_signature_and_is_off_without_a_key(settings: Any) -> None:
    once = signing.vod_hotlink_url(url="http://v/a/b.m3u8", expires_at=EXPIRES, key="k")
    twice = signing.vod_hotlink_url(url=once, expires_at=EXPIRES + timedelta(hours=1), key="k")
    assert parse_qs(urlsplit(twice).query)["t"] == [f"{0x5C271099 + 3600:x}"]
    assert len(parse_qs(urlsplit(twice).query)["sign"]) == 1
    settings.VOD_PLAY_KEY = ""
    assert signing.vod_hotlink_url(url="http://v/a/b.m3u8", expires_at=EXPIRES) == "http://v/a/b.m3u8"
