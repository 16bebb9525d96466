"""Demo catalog: client apps of each kind and a handful of rooms. Running it again changes nothing."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from recordings.models import ClientApp, ClientAppKind, ConcurrencySpec, Room
from recordings.sessions import demo as demo_schedules

# The emulator's sample live room (emulator/sample_apps/live-room/): rendered for real when Xvfb and Chromium are
# installed. A demo database seeded before it existed pointed at a page that never was; it is moved over.
SAMPLE_WEB_APP_URL = f"http://127.0.0.1:{settings.EMULATOR_PORT}/_emulator/apps/live-room/"
FORMER_WEB_APP_URL = "https://danmaku.example.com/overlay"

DEMO_APPS: list[dict[str, Any]] = [
    {
        "name": "Bullet comments overlay",
        "kind": ClientAppKind.WEB,
        "url": SAMPLE_WEB_APP_URL,
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
    ClientApp.objects.filter(url=FORMER_WEB_APP_URL).update(url=SAMPLE_WEB_APP_URL)
    registered = register_car_applications()
    return [
        f"Catalog: {created_apps} client apps and {created_rooms} rooms added ({len(DEMO_ROOMS)} demo rooms).",
        f"Emulator: {registered} client apps registered with its CAR console.",
        *demo_schedules.seed(),
    ]


def register_car_applications() -> int:
    """Tell the emulator's CAR console which kind (and, for WEB, which page) each client app is — what a team
    does in CAR's console when it uploads an app. CAR's API never carries this, so the console's own calls
    stay exactly those it makes to Tencent; only the demo's seed writes the emulator's registry."""
    from emulator.config import EmulatorConfig
    from emulator.webapps import ApplicationSpecError, CarApplication, CarApplications

    own_emulator = f"127.0.0.1:{settings.EMULATOR_PORT}"
    if own_emulator != settings.TENCENT_API_ENDPOINT:
        return 0  # a real account (or another emulator): its CAR console is not ours to write
    entries = [
        {
            "project_id": app.car_project_id,
            "application_id": app.car_application_id,
            "kind": app.kind,
            "url": app.url,
            "resolution": app.target_resolution,
            "frame_rate": app.frame_rate,
        }
        for app in ClientApp.objects.filter(name__in=[spec["name"] for spec in DEMO_APPS]).order_by("pk")
    ]
    valid = []
    for entry in entries:
        try:
            CarApplication.from_dict(entry)
        except ApplicationSpecError:
            continue  # e.g. a resolution the emulator cannot render: that app keeps the test picture
        valid.append(entry)
    if valid:
        # The emulator's data directory defaults to var/emulator under the console's VAR_DIR (rundemo runs it
        # from BASE_DIR): resolve it the same way wherever the seed runs from.
        config = EmulatorConfig.from_env({**os.environ, "CNR_VAR_DIR": str(settings.VAR_DIR)})
        CarApplications(config.car_applications_file).register(valid)
    return len(valid)
