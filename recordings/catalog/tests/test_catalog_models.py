"""Model rules of the catalog: id formats, the WEB URL, stream names, tags, launch templates, uniqueness."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from recordings.catalog.models import normalize_tags, suggest_stream_name, validate_launch_template
from recordings.models import ClientApp, ClientAppKind, Room

pytestmark = pytest.mark.django_db


def make_app(**overrides: object) -> ClientApp:
    values: dict[str, object] = {
        "name": "Gift effects",
        "kind": ClientAppKind.APK,
        "car_project_id": "cap-abcd1234",
    }
    values.update(overrides)
    return ClientApp(**values)


def make_room(app: ClientApp, **overrides: object) -> Room:
    values: dict[str, object] = {"name": "Lobby", "room_key": "room-1001", "client_app": app}
    values.update(overrides)
    return Room(**values)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("car_project_id", "cap-ABCD1234"),
        ("car_project_id", "cap-abc"),
        ("car_project_id", "app-abcd1234"),
        ("car_application_id", "app-12"),
        ("car_version_id", "ver_abcd1234"),
        ("target_resolution", "1920*1080"),
        ("target_resolution", "0x1080"),
        ("bitrate_kbps", 0),
        ("frame_rate", 0),
        ("max_recording_minutes", 1441),
        ("launch_parameters", "--room={room}"),
        ("launch_parameters", "--room={room_key"),
        ("launch_parameters", "--room={room_key!r}"),
        ("launch_parameters", "--x={0}"),
        ("url", "ftp://example.com/page"),
    ],
)
def test_client_app_rejects_bad_values(field: str, value: object) -> None:
    app = make_app(**{field: value})
    with pytest.raises(ValidationError) as excinfo:
        app.full_clean()
    assert field in excinfo.value.message_dict


def test_client_app_accepts_full_ids_and_known_placeholders() -> None:
    app = make_app(
        car_application_id="app-0011aabb",
        car_version_id="ver-99887766",
        launch_parameters="--room={room_key} --stream={stream_name} --title={room_name} {{literal}}",
    )
    app.full_clean()


def test_web_app_needs_an_http_url() -> None:
    app = make_app(kind=ClientAppKind.WEB)
    with pytest.raises(ValidationError) as excinfo:
        app.full_clean()
    assert "url" in excinfo.value.message_dict
    app.url = "https://bullet.example.com/room"
    app.full_clean()


def test_web_app_without_url_is_refused_by_the_database_too() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_app(kind=ClientAppKind.WEB, url="").save()


def test_app_names_are_unique() -> None:
    make_app().save()
    with pytest.raises(ValidationError) as excinfo:
        make_app(car_project_id="cap-other123").full_clean()
    assert "name" in excinfo.value.message_dict


def test_database_refuses_a_non_positive_bitrate() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_app(bitrate_kbps=0).save()


@pytest.mark.parametrize(
    ("room_key", "expected"),
    [
        ("room-1001", "room-1001"),
        ("Live.Room:42@b", "live-room-42-b"),
        ("直播间 7", "7"),
        ("...", "room"),
        ("x" * 100, "x" * 64),
    ],
)
def test_suggest_stream_name(room_key: str, expected: str) -> None:
    assert suggest_stream_name(room_key) == expected


def test_room_fills_a_free_stream_name_when_left_empty() -> None:
    app = make_app()
    app.save()
    first = make_room(app, room_key="a.b")
    first.full_clean()
    first.save()
    second = make_room(app, room_key="a:b")
    second.full_clean()
    assert (first.stream_name, second.stream_name) == ("a-b", "a-b-2")


@pytest.mark.parametrize("stream_name", ["has space", "dot.ted", "x" * 65, "slash/ed"])
def test_room_rejects_unsafe_stream_names(stream_name: str) -> None:
    app = make_app()
    app.save()
    with pytest.raises(ValidationError) as excinfo:
        make_room(app, stream_name=stream_name).full_clean()
    assert "stream_name" in excinfo.value.message_dict


@pytest.mark.parametrize("room_key", ["has space", "a/b", "q?x", "50%", "{x}"])
def test_room_rejects_keys_unsafe_in_urls_and_parameters(room_key: str) -> None:
    app = make_app()
    app.save()
    with pytest.raises(ValidationError) as excinfo:
        make_room(app, room_key=room_key, stream_name="s").full_clean()
    assert "room_key" in excinfo.value.message_dict


def test_room_of_an_inactive_app_cannot_be_active() -> None:
    app = make_app(is_active=False)
    app.save()
    with pytest.raises(ValidationError) as excinfo:
        make_room(app).full_clean()
    assert "is_active" in excinfo.value.message_dict
    make_room(app, is_active=False).full_clean()


def test_room_key_and_stream_name_are_unique() -> None:
    app = make_app()
    app.save()
    make_room(app, stream_name="lobby").save()
    with pytest.raises(ValidationError) as excinfo:
        make_room(app, stream_name="lobby").full_clean()
    assert {"room_key", "stream_name"} <= set(excinfo.value.message_dict)


def test_room_override_may_not_exceed_the_app_maximum() -> None:
    app = make_app(max_recording_minutes=120)
    app.save()
    room = make_room(app, max_recording_minutes=180)
    with pytest.raises(ValidationError) as excinfo:
        room.full_clean()
    assert "max_recording_minutes" in excinfo.value.message_dict
    room.max_recording_minutes = 60
    room.full_clean()
    assert room.effective_max_recording_minutes == 60


def test_tags_are_normalised_and_filterable() -> None:
    assert normalize_tags(" Sports, live  show ,sports,,") == "live-show,sports"
    with pytest.raises(ValidationError):
        normalize_tags("ok, bad!tag")
    app = make_app()
    app.save()
    for key, tags in [("r1", "sports"), ("r2", "esports,vip"), ("r3", "music, sports ,vip"), ("r4", "")]:
        room = make_room(app, room_key=key, tags=tags)
        room.full_clean()
        room.save()
    assert sorted(Room.objects.with_tag("sports").values_list("room_key", flat=True)) == ["r1", "r3"]
    assert sorted(Room.objects.with_tag("vip").values_list("room_key", flat=True)) == ["r2", "r3"]
    assert Room.objects.all_tags() == ["esports", "music", "sports", "vip"]


def test_application_parameters_render_the_app_template() -> None:
    app = make_app(
        launch_parameters="--room={room_key} --stream={stream_name} --name={room_name} {entry_parameters}"
    )
    app.save()
    room = make_room(app, stream_name="lobby_1", entry_parameters="--seat=3")
    assert room.application_parameters() == "--room=room-1001 --stream=lobby_1 --name=Lobby --seat=3"
    app.launch_parameters = ""
    assert room.application_parameters() == "--seat=3"


def test_launch_template_error_names_the_allowed_placeholders() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_launch_template("{room}")
    assert "{room_key}" in excinfo.value.messages[0]


def test_push_url_preview_and_defaults(settings: Any) -> None:
    settings.CSS_PUSH_DOMAIN, settings.CSS_PLAY_DOMAIN = "push.example.com", "play.example.com"
    app = make_app()
    app.save()
    room = make_room(app, stream_name="lobby", app_name="live")
    assert room.push_url_preview() == "rtmp://push.example.com/live/lobby"
    assert room.play_domain == "play.example.com"
    assert str(room) == "Lobby [room-1001]"
    assert str(app) == "Gift effects (APK)"
