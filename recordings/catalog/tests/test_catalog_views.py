"""Catalog pages: forms and their errors, inline validation, htmx list partials, query counts, flows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from dashboard.models import AuditEntry
from dashboard.overview import collect_panels
from recordings import demo
from recordings.catalog.tests.factories import ClientAppFactory, RoomFactory, WebAppFactory
from recordings.models import ClientApp, ClientAppKind, Room

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}

APP_FORM: dict[str, Any] = {
    "name": "Bullet comments",
    "kind": "WEB",
    "car_project_id": "cap-abcd1234",
    "car_application_id": "",
    "car_version_id": "",
    "url": "https://bullet.example.com/",
    "launch_parameters": "--room={room_key}",
    "concurrency_spec": "S",
    "target_resolution": "1280x720",
    "frame_rate": "30",
    "bitrate_kbps": "3000",
    "max_recording_minutes": "120",
    "is_active": "on",
    "notes": "",
}


def room_form(app: ClientApp, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Lobby",
        "room_key": "lobby-1",
        "client_app": str(app.pk),
        "stream_name": "",
        "entry_parameters": "",
        "tags": "Sports, vip",
        "auto_record": "on",
        "max_recording_minutes": "",
        "is_active": "on",
        "push_domain": "push.example.com",
        "play_domain": "play.example.com",
        "app_name": "live",
    }
    data.update(overrides)
    return data


@pytest.fixture
def op_client(operator: User, client_as: Callable[[User | None], Client]) -> Client:
    return client_as(operator)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_create_app_redirects_to_its_page_and_audits(op_client: Client) -> None:
    response = op_client.post(reverse("recordings:app_create"), APP_FORM)
    app = ClientApp.objects.get(name="Bullet comments")
    assert response.status_code == 302
    assert response["Location"] == reverse("recordings:app_detail", args=[app.pk])
    assert AuditEntry.objects.filter(action="client_app.create", object_id=str(app.pk)).exists()
    page = op_client.get(response["Location"])
    assert "Client app “Bullet comments” created." in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "", "A WEB app needs the URL of its page."),
        ("url", "javascript:alert(1)", "Enter an http:// or https:// URL."),
        ("car_project_id", "cap-XYZ", "A CAR project id looks like"),
        ("launch_parameters", "--x={secret}", "Unknown placeholder {secret}"),
        ("target_resolution", "hd", "WIDTHxHEIGHT"),
    ],
)
def test_create_app_shows_errors_and_creates_nothing(
    op_client: Client, field: str, value: str, message: str
) -> None:
    response = op_client.post(reverse("recordings:app_create"), {**APP_FORM, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="field-' + field + '"' in response.content.decode()
    assert not ClientApp.objects.exists()


def test_duplicate_app_name_is_a_form_error(op_client: Client) -> None:
    WebAppFactory.create(name="Bullet comments")
    response = op_client.post(reverse("recordings:app_create"), APP_FORM)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert ClientApp.objects.count() == 1


def test_inline_validation_returns_one_field_and_saves_nothing(op_client: Client) -> None:
    data = {**APP_FORM, "car_project_id": "cap-bad", "_validate": "car_project_id"}
    response = op_client.post(reverse("recordings:app_create"), data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div class="field has-error')
    assert 'id="field-car_project_id"' in html and "A CAR project id looks like" in html
    assert "<form" not in html and "<html" not in html
    assert not ClientApp.objects.exists()
    ok = op_client.post(
        reverse("recordings:app_create"), {**APP_FORM, "_validate": "car_project_id"}, headers=HTMX
    )
    assert "has-error" not in ok.content.decode()


def test_inline_validation_of_the_room_key_suggests_a_free_stream_name(op_client: Client) -> None:
    app = ClientAppFactory.create()
    RoomFactory.create(client_app=app, room_key="other", stream_name="show-7")
    data = {**room_form(app, room_key="Show.7"), "_validate": "room_key"}
    html = op_client.post(reverse("recordings:room_create"), data, headers=HTMX).content.decode()
    assert 'id="field-room_key"' in html
    assert 'id="stream-name-suggestion" hx-swap-oob="true"' in html
    assert "<code>show-7-2</code>" in html


def test_create_form_widgets_validate_inline(op_client: Client) -> None:
    html = op_client.get(reverse("recordings:room_create")).content.decode()
    assert 'hx-post="/rooms/new/"' in html
    assert 'hx-target="#field-room_key"' in html


def test_create_room_fills_the_stream_name_and_normalises_tags(op_client: Client) -> None:
    app = ClientAppFactory.create()
    response = op_client.post(reverse("recordings:room_create"), room_form(app, room_key="Lobby.1"))
    room = Room.objects.get(room_key="Lobby.1")
    assert response["Location"] == reverse("recordings:room_detail", args=[room.pk])
    assert (room.stream_name, room.tags, room.auto_record) == ("lobby-1", "sports,vip", True)


def test_create_room_errors(op_client: Client) -> None:
    app = ClientAppFactory.create(max_recording_minutes=60)
    RoomFactory.create(room_key="taken", stream_name="taken")
    data = room_form(
        app, room_key="taken", stream_name="bad name", max_recording_minutes="90", tags="ok, no!"
    )
    html = op_client.post(reverse("recordings:room_create"), data).content.decode()
    assert "Room with this Room key already exists." in html
    assert "Use only letters, digits" in html
    assert "At most the app&#x27;s own maximum (60 minutes)." in html
    assert "Invalid tag no!" in html
    assert Room.objects.count() == 1


def test_room_form_offers_only_active_apps_and_preselects_from_the_query(op_client: Client) -> None:
    active = ClientAppFactory.create(name="Active app")
    ClientAppFactory.create(name="Retired app", is_active=False)
    html = op_client.get(reverse("recordings:room_create") + f"?app={active.pk}").content.decode()
    assert f'<option value="{active.pk}" selected>Active app (APK)</option>' in html
    assert "Retired app" not in html


def test_edit_app_and_room(op_client: Client) -> None:
    room = RoomFactory.create(client_app=WebAppFactory.create())
    app = room.client_app
    data = {**APP_FORM, "name": "Renamed", "url": app.url}
    assert op_client.post(reverse("recordings:app_edit", args=[app.pk]), data).status_code == 302
    app.refresh_from_db()
    assert app.name == "Renamed"
    form = room_form(app, room_key=room.room_key, stream_name=room.stream_name, name="New name")
    assert op_client.post(reverse("recordings:room_edit", args=[room.pk]), form).status_code == 302
    room.refresh_from_db()
    assert room.name == "New name"
    changes = AuditEntry.objects.get(action="room.update").changes
    assert changes["name"] == [changes["name"][0], "New name"]


def test_deactivate_app_confirms_then_takes_rooms_along(op_client: Client) -> None:
    room = RoomFactory.create(name="Evening show")
    url = reverse("recordings:app_deactivate", args=[room.client_app.pk])
    page = op_client.get(url).content.decode()
    assert "will be deactivated too: Evening show." in page
    response = op_client.post(url)
    assert response.status_code == 302
    assert "deactivated along with 1 room." in messages_of(response)[0]
    room.refresh_from_db()
    assert not room.is_active and not room.client_app.is_active


def test_deleting_an_app_with_rooms_is_refused_with_advice(op_client: Client) -> None:
    room = RoomFactory.create()
    url = reverse("recordings:app_delete", args=[room.client_app.pk])
    page = op_client.get(url).content.decode()
    assert "cannot be deleted" in page and "Deactivate instead" in page
    response = op_client.post(url)
    assert response["Location"] == reverse("recordings:app_detail", args=[room.client_app.pk])
    [message] = messages_of(response)
    assert "is still used by 1 room, so" in message and "Deactivate it instead" in message
    assert ClientApp.objects.filter(pk=room.client_app.pk).exists()


def test_delete_room_then_its_app(op_client: Client) -> None:
    room = RoomFactory.create()
    app = room.client_app
    response = op_client.post(reverse("recordings:room_delete", args=[room.pk]))
    assert response["Location"] == reverse("recordings:room_list")
    response = op_client.post(reverse("recordings:app_delete", args=[app.pk]))
    assert response["Location"] == reverse("recordings:app_list")
    assert not ClientApp.objects.exists()


def test_deactivate_room(op_client: Client) -> None:
    room = RoomFactory.create()
    op_client.post(reverse("recordings:room_deactivate", args=[room.pk]))
    room.refresh_from_db()
    assert not room.is_active
    page = op_client.get(reverse("recordings:room_deactivate", args=[room.pk])).content.decode()
    assert "already inactive" in page


def test_room_list_filters(op_client: Client) -> None:
    web = WebAppFactory.create(name="Web")
    apk = ClientAppFactory.create(name="Apk")
    RoomFactory.create(name="Alpha", client_app=web, tags="music,vip")
    RoomFactory.create(name="Beta", client_app=apk, tags="music")
    RoomFactory.create(name="Gamma", client_app=apk, tags="sports", is_active=False)

    def names(**params: str) -> list[str]:
        response = op_client.get(reverse("recordings:room_list"), params)
        return [room.name for room in response.context["page"].object_list]

    assert names() == ["Alpha", "Beta", "Gamma"]
    assert names(tag="music") == ["Alpha", "Beta"]
    assert names(kind="WEB") == ["Alpha"]
    assert names(app=str(apk.pk)) == ["Beta", "Gamma"]
    assert names(active="no") == ["Gamma"]
    assert names(q="amm") == ["Gamma"]
    empty = op_client.get(reverse("recordings:room_list"), {"q": "nothing"}).content.decode()
    assert "No rooms match" in empty


def test_app_list_filters_and_counts_rooms(op_client: Client) -> None:
    web = WebAppFactory.create(name="Web overlay", car_project_id="cap-webapp001")
    ClientAppFactory.create(name="Gifts", is_active=False)
    RoomFactory.create_batch(2, client_app=web)

    def rows(**params: str) -> list[tuple[str, int]]:
        response = op_client.get(reverse("recordings:app_list"), params)
        return [(app.name, app.room_count) for app in response.context["page"].object_list]

    assert rows() == [("Gifts", 0), ("Web overlay", 2)]
    assert rows(kind=ClientAppKind.WEB) == [("Web overlay", 2)]
    assert rows(active="no") == [("Gifts", 0)]
    assert rows(q="webapp") == [("Web overlay", 2)]


def test_empty_lists_invite_to_create(
    op_client: Client, client_as: Callable[[User | None], Client], manager: User
) -> None:
    assert "Add the first client app" in op_client.get(reverse("recordings:app_list")).content.decode()
    assert "Add the first room" in op_client.get(reverse("recordings:room_list")).content.decode()
    as_manager = client_as(manager).get(reverse("recordings:room_list")).content.decode()
    assert "No rooms yet" in as_manager and "Add the first room" not in as_manager


@pytest.mark.parametrize("name", ["app_list", "room_list"])
def test_htmx_filter_request_gets_only_the_results_partial(op_client: Client, name: str) -> None:
    RoomFactory.create(name="Alpha")
    response = op_client.get(reverse(f"recordings:{name}"), headers={**HTMX, "HX-Target": "results"})
    html = response.content.decode()
    assert html.strip().startswith('<div id="results">')
    assert "<html" not in html and 'class="filters"' not in html
    full = op_client.get(reverse(f"recordings:{name}")).content.decode()
    assert "<html" in full and 'class="filters"' in full and 'id="results"' in full


def test_room_list_paginates(op_client: Client) -> None:
    RoomFactory.create_batch(30)
    first = op_client.get(reverse("recordings:room_list"))
    assert len(first.context["page"].object_list) == 25
    second = op_client.get(reverse("recordings:room_list"), {"page": "2"})
    assert len(second.context["page"].object_list) == 5
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("name", ["app_list", "room_list"])
def test_list_pages_do_not_query_per_row(
    op_client: Client, name: str, django_assert_max_num_queries: Any
) -> None:
    apps = ClientAppFactory.create_batch(5)
    for index in range(25):
        RoomFactory.create(client_app=apps[index % 5], tags=f"t{index % 3}")
    op_client.get(reverse(f"recordings:{name}"))  # warm the session and role caches
    with django_assert_max_num_queries(9):
        response = op_client.get(reverse(f"recordings:{name}"))
    assert response.status_code == 200


def test_detail_pages_show_settings_push_url_and_rooms(op_client: Client) -> None:
    app = ClientAppFactory.create(launch_parameters="--room={room_key} --stream={stream_name}")
    room = RoomFactory.create(
        client_app=app, room_key="live-7", stream_name="live_7", push_domain="push.example.com"
    )
    html = op_client.get(reverse("recordings:room_detail", args=[room.pk])).content.decode()
    assert "rtmp://push.example.com/live/live_7" in html
    assert "--room=live-7 --stream=live_7" in html
    app_html = op_client.get(reverse("recordings:app_detail", args=[app.pk])).content.decode()
    assert reverse("recordings:room_detail", args=[room.pk]) in app_html
    assert f"{reverse('recordings:room_create')}?app={app.pk}" in app_html


def test_viewers_see_no_management_buttons(
    client_as: Callable[[User | None], Client], moderator: User
) -> None:
    room = RoomFactory.create()
    html = client_as(moderator).get(reverse("recordings:room_detail", args=[room.pk])).content.decode()
    assert reverse("recordings:room_edit", args=[room.pk]) not in html


def test_overview_panel_counts(operator: User) -> None:
    RoomFactory.create(auto_record=True)
    RoomFactory.create(is_active=False)
    [panel] = [p for p in collect_panels(operator) if p.title == "Catalog"]
    assert panel.context["rooms"] == {"total": 2, "active": 1, "auto": 1}
    assert panel.context["apps"] == {"total": 2, "active": 2}


def test_overview_panel_needs_the_catalog_capability(db: None) -> None:
    from conftest import make_user

    assert not [p for p in collect_panels(make_user("nobody")) if p.title == "Catalog"]


def test_demo_seed_is_idempotent(db: None) -> None:
    demo.seed()
    counts = (ClientApp.objects.count(), Room.objects.count())
    assert counts == (3, 8)
    assert set(ClientApp.objects.values_list("kind", flat=True)) == {"APK", "EXE", "WEB"}
    assert Room.objects.filter(auto_record=True).count() == 2
    demo.seed()
    assert (ClientApp.objects.count(), Room.objects.count()) == counts


def test_app_detail_links_to_the_full_room_list_when_it_has_many_rooms(op_client: Client) -> None:
    app = ClientAppFactory.create()
    RoomFactory.create_batch(51, client_app=app)
    response = op_client.get(reverse("recordings:app_detail", args=[app.pk]))
    assert len(response.context["rooms"]) == 50
    assert "All 51 rooms of this app" in response.content.decode()
    assert f"{reverse('recordings:room_list')}?app={app.pk}" in response.content.decode()


def test_deactivating_twice_says_so(op_client: Client) -> None:
    room = RoomFactory.create(is_active=False, client_app=ClientAppFactory.create(is_active=False))
    response = op_client.post(reverse("recordings:app_deactivate", args=[room.client_app.pk]))
    assert messages_of(response) == [f"Client app “{room.client_app.name}” was already inactive."]
    response = op_client.post(reverse("recordings:room_deactivate", args=[room.pk]))
    assert messages_of(response)[-1] == f"Room “{room.name}” was already inactive."
    assert not AuditEntry.objects.exists()
