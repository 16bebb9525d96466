"""Factories for catalog tests (client apps and rooms)."""

from __future__ import annotations

import factory

from recordings.models import ClientApp, ClientAppKind, Room


class ClientAppFactory(factory.django.DjangoModelFactory[ClientApp]):
    class Meta:
        model = ClientApp

    name = factory.Sequence(lambda n: f"App {n}")
    kind = ClientAppKind.APK
    car_project_id = "cap-test0001"


class WebAppFactory(ClientAppFactory):
    kind = ClientAppKind.WEB
    url = factory.Sequence(lambda n: f"https://app{n}.example.com/")


class RoomFactory(factory.django.DjangoModelFactory[Room]):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")
    room_key = factory.Sequence(lambda n: f"room-{n}")
    stream_name = factory.Sequence(lambda n: f"stream-{n}")
    client_app = factory.SubFactory(ClientAppFactory)
