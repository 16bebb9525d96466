"""The light push mode (no encoder, same API state) and the server answering without Nagle's delay."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from emulator import server
from emulator.config import EmulatorConfig
from emulator.light import LightStream
from emulator.testing import running_emulator
from emulator.tests.sdk import call, make_clients

pytestmark = pytest.mark.emulator

PUBLIC_IP = "125.127.178.228"


@pytest.fixture
def light() -> Iterator[Any]:
    with running_emulator(
        EMULATOR_PUSH_MEDIA="light",
        EMULATOR_CAR_PROCESSING_SECONDS=0.2,
        EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused",
    ) as running:
        yield running


def test_push_media_is_ffmpeg_unless_told_and_refuses_anything_else() -> None:
    assert EmulatorConfig.from_env({}).push_media == "ffmpeg"
    assert EmulatorConfig.from_env({"EMULATOR_PUSH_MEDIA": "LIGHT"}).push_media == "light"
    with pytest.raises(ValueError, match="EMULATOR_PUSH_MEDIA"):
        EmulatorConfig.from_env({"EMULATOR_PUSH_MEDIA": "none"})


def test_a_light_push_is_live_online_and_sampled_like_a_real_one_until_stopped(light: Any) -> None:
    clients = make_clients(light)
    call(clients.car, "ApplyConcurrent", UserId="room-1", UserIp=PUBLIC_IP, ProjectId="cap-test0001")
    call(clients.car, "CreateSession", UserId="room-1", UserIp=PUBLIC_IP, RunMode="RunWithoutClient")
    call(clients.car, "StartPublishStream", UserId="room-1")

    stream = light.app.css.pushes.live_stream("live", "room-1")
    assert isinstance(stream, LightStream) and stream.is_alive()
    assert stream.sample().video_codec == "hevc"  # strict's codec, named as ffprobe names it
    state = call(
        clients.live,
        "DescribeLiveStreamState",
        AppName="live",
        DomainName=light.config.css_push_domain,
        StreamName="room-1",
    )
    assert state["StreamState"] == "active"
    online = call(clients.live, "DescribeLiveStreamOnlineList")
    assert [s["StreamName"] for s in online["OnlineInfo"]] == ["room-1"]

    call(clients.car, "DestroySession", UserId="room-1")
    assert not stream.is_alive()
    assert light.app.css.pushes.live_stream("live", "room-1") is None


def test_every_connection_to_the_server_has_nagle_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    setup = server.RequestHandler.setup

    def recording_setup(self: server.RequestHandler) -> None:
        setup(self)
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(server.RequestHandler, "setup", recording_setup)
    with running_emulator(EMULATOR_CALLBACK_URL="http://127.0.0.1:9/unused") as running:
        call(make_clients(running).car, "DescribeConcurrentCount", ProjectId="cap-test0001")
    assert seen and all(seen)
