"""Storage totals (the *Storage totals* page): bytes, files and seconds of the kept files per room and per app.

Summing every file on each view reads the whole table (200,000 files: the slowest part of the page), so the sums
per room are cached. The cache key changes whenever the data can have changed: a version token renewed after
every committed save or delete of a file (signals connected in RecordingsConfig.ready), plus the newest file id
and the newest deletion time for writes that bypass save() (QuerySet.update, bulk loads). Room and app names
are read fresh on each view, and an entry lives at most STORAGE_CACHE_SECONDS in any case.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Sum

from recordings.models import RecordingFile, Room

STORAGE_CACHE_SECONDS = 600
VERSION_KEY = "files:storage-version"


def storage_changed(**_kwargs: Any) -> None:
    """post_save / post_delete of a RecordingFile: the next view recomputes. Renewed now and again once the change
    is committed, so sums a view computed in between (without the change) are not kept either."""
    renew_version()
    transaction.on_commit(renew_version)


def renew_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def sums_by_room() -> dict[int | None, dict[str, Any]]:
    """{room id (None: no room) → bytes, files, seconds} of the files not deleted, from the cache when current."""
    files = RecordingFile.objects.all()
    newest = files.aggregate(last_id=Max("id"), last_deleted=Max("deleted_at"))  # two index-only reads
    deleted = newest["last_deleted"].timestamp() if newest["last_deleted"] else 0
    key = f"files:storage-sums:{cache.get(VERSION_KEY, '-')}:{newest['last_id']}:{deleted}"
    sums = cache.get(key)
    if not isinstance(sums, dict):
        rows = (
            files.present()
            .values("room_id")
            .annotate(bytes=Sum("size_bytes"), files=Count("id"), seconds=Sum("duration_s"))
        )
        sums = {
            row["room_id"]: {"bytes": row["bytes"], "files": row["files"], "seconds": row["seconds"]}
            for row in rows.order_by()
        }
        cache.set(key, sums, STORAGE_CACHE_SECONDS)
    return sums


def storage_totals() -> dict[str, list[dict[str, Any]]]:
    """Rows per room and per app, largest first, with the current names of rooms and apps."""
    sums = sums_by_room()
    names = {
        pk: (name, app_pk, app_name)
        for pk, name, app_pk, app_name in Room.objects.filter(pk__in=[pk for pk in sums if pk is not None])
        .order_by()
        .values_list("pk", "name", "client_app_id", "client_app__name")
    }
    rooms: list[dict[str, Any]] = []
    apps: dict[int | None, dict[str, Any]] = {}
    for room_pk, total in sums.items():
        name, app_pk, app_name = (
            names.get(room_pk, (None, None, None)) if room_pk is not None else (None,) * 3
        )
        rooms.append({"room_id": room_pk, "room__name": name, "room__client_app__name": app_name, **total})
        app = apps.setdefault(
            app_pk,
            {
                "room__client_app_id": app_pk,
                "room__client_app__name": app_name,
                "bytes": 0,
                "files": 0,
                "seconds": 0,
            },
        )
        for field in ("bytes", "files", "seconds"):
            app[field] += total[field] or 0
    by_size = lambda row: (-(row["bytes"] or 0), row["room__client_app__name"] or "")  # noqa: E731
    return {"rooms": sorted(rooms, key=by_size), "apps": sorted(apps.values(), key=by_size)}
