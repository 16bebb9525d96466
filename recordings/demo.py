"""Demo catalog: client apps of each kind and a handful of rooms. Running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from recordings import demo_schedules
from recordings.models import ClientApp, ClientAppKind, ConcurrencySpec, Room

DEMO_APPS: list[dict[str, Any]] = [
    {
        "name": "Bullet comments overlay",
        "kind": ClientAppKind.WEB,
        "url": "https://danmaku.example.com/overlay",
        "launch_parameters": "--url-args=room={room_key}&stream={stream_name}",
        "concurrency_spec": ConcurrencySpec.CPU4,
        "target_resolution": "1280x720",
        "frame_rate": 30,
        "bitrate_kbps": 3000,
        "notes": "Renders the live bullet comments over the anchor's video.",
    },
    {
        "name": "Gift effects (Android)",
        "kind": ClientAppKind.APK,
        "car_application_id": "app-gift0001",
        "launch_parameters": "--room={room_key} --title={room_name} {entry_parameters}",
        "concurrency_spec": ConcurrencySpec.M,
        "target_resolution": "1080x1920",
        "frame_rate": 30,
        "bitrate_kbps": 6000,
        "notes": "Portrait gift animations for mobile rooms.",
    },
    {
        "name": "Whiteboard (Windows)",
        "kind": ClientAppKind.EXE,
        "car_application_id": "app-board0001",
        "car_version_id": "ver-board0003",
        "launch_parameters": "/room:{room_key} /stream:{stream_name}",
        "concurrency_spec": ConcurrencySpec.L,
        "target_resolution": "1920x1080",
        "frame_rate": 60,
        "bitrate_kbps": 8000,
        "max_recording_minutes": 240,
        "notes": "Online classes: the teacher's whiteboard, recorded for replay.",
    },
]

# (room key, name, app name, tags, auto_record, entry parameters)
DEMO_ROOMS: list[tuple[str, str, str, str, bool, str]] = [
    ("live-1001", "Evening music show", "Bullet comments overlay", "music,prime-time", True, ""),
    ("live-1002", "Football watch party", "Bullet comments overlay", "sports,prime-time", False, ""),
    ("live-1003", "Gaming marathon", "Bullet comments overlay", "gaming", False, ""),
    ("gift-2001", "Idol fan meeting", "Gift effects (Android)", "music,vip", True, "--seat=front"),
    ("gift-2002", "Talent contest", "Gift effects (Android)", "contest", False, "--seat=judge"),
    ("class-math-7", "Math grade 7", "Whiteboard (Windows)", "education", False, "/subject:math"),
    ("class-phys-9", "Physics grade 9", "Whiteboard (Windows)", "education", False, "/subject:physics"),
    ("class-archive", "Last term's archive", "Whiteboard (Windows)", "education,archive", False, ""),
]


def seed() -> list[str]:
    apps: dict[str, ClientApp] = {}
    created_apps = created_rooms = 0
    for spec in DEMO_APPS:
        app = ClientApp.objects.filter(name=spec["name"]).first()
        if app is None:
            app = ClientApp(car_project_id=settings.CAR_PROJECT_ID, **spec)
            app.full_clean()
            app.save()
            created_apps += 1
        apps[app.name] = app
    for room_key, name, app_name, tags, auto_record, entry in DEMO_ROOMS:
        if Room.objects.filter(room_key=room_key).exists():
            continue
        room = Room(
            room_key=room_key,
            name=name,
            client_app=apps[app_name],
            tags=tags,
            auto_record=auto_record,
            entry_parameters=entry,
            is_active=room_key != "class-archive",
        )
        room.full_clean()
        room.save()
        created_rooms += 1
    return [
        f"Catalog: {created_apps} client apps and {created_rooms} rooms added ({len(DEMO_ROOMS)} demo rooms).",
        *demo_schedules.seed(),
    ]
