"""Demo schedules on the demo rooms (called from `recordings.demo.seed`). Running it again changes nothing."""

from __future__ import annotations

from datetime import time

from recordings.models import Room, Schedule, ScheduleKind

DEMO_SCHEDULES = [
    {
        "room_key": "live-1002",
        "name": "Weeknight match",
        "kind": ScheduleKind.WEEKLY,
        "weekdays": "0,1,2,3,4",
        "start_time": time(20, 0),
        "duration_minutes": 120,
        "time_zone": "Asia/Singapore",
    },
    {
        "room_key": "class-math-7",
        "name": "Saturday class",
        "kind": ScheduleKind.CRON,
        "cron_expression": "0 9 * * 6",
        "duration_minutes": 90,
        "time_zone": "Asia/Singapore",
    },
]


def seed() -> list[str]:
    created = 0
    for spec in DEMO_SCHEDULES:
        values = dict(spec)
        room = Room.objects.filter(room_key=values.pop("room_key")).first()
        if room is None or Schedule.objects.filter(room=room, name=values["name"]).exists():
            continue
        schedule = Schedule(room=room, **values)
        schedule.full_clean()
        schedule.save()
        created += 1
    return [f"Schedules: {created} added ({len(DEMO_SCHEDULES)} demo schedules)."]
