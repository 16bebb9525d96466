"""`make cloud-smoke`: one real recording end to end on the Tencent Cloud account in the environment, then clean-up.

Without TENCENT_SECRET_ID in the environment it says it is skipped and exits 0 (the emulator has its own suite).
With it: the setup doctor must pass, then CAR applies a concurrency and starts the cloud app without a client, CSS
gets a record task (the configured template), CAR pushes for `--seconds` (60), everything is stopped and released,
the recorded files are awaited in VOD (or COS) and deleted again. Each step is printed; exit 1 on any failure.
It costs a few cents: one CAR concurrency for a few minutes, one minute of push, recording and storage.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def step(name: str, action: Callable[[], T]) -> T:
    print(f"… {name}", flush=True)
    started = time.monotonic()
    result = action()
    print(
        f"  ok ({time.monotonic() - started:.1f} s){f': {result}' if result not in (None, '') else ''}",
        flush=True,
    )
    return result


def wait_for(what: str, check: Callable[[], T], *, timeout_s: float, every_s: float = 5.0) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: nothing after {timeout_s:.0f} s")
        time.sleep(every_s)


def smoke(*, seconds: float, file_timeout_s: float, poll_s: float = 5.0) -> None:
    """The recording itself; raises on the first failure (after stopping and releasing what it started)."""
    from django.conf import settings
    from django.utils import timezone

    from tencent import car, cos, css, setup, setup_cos_path, vod

    report = step("setup doctor (tencent_setup)", setup.tencent_setup_run)
    for check in report.checks:
        print(f"    {check.line}")
    if not report.ok:
        raise RuntimeError("the account is not ready: fix the FAIL lines first")
    user_id = f"smoke-{uuid.uuid4().hex[:12]}"
    started_at = timezone.now()
    task_id = ""
    try:
        step(
            f"ApplyConcurrent {user_id} (project {settings.CAR_PROJECT_ID})",
            lambda: (
                car.apply_concurrent(
                    user_id=user_id, user_ip=settings.CAR_USER_IP, project_id=settings.CAR_PROJECT_ID
                ).request_id
            ),
        )
        step(
            "CreateSession (RunWithoutClient)",
            lambda: car.create_session(user_id=user_id, user_ip=settings.CAR_USER_IP),
        )
        task_id = step(
            f"CreateRecordTask (template {settings.CSS_RECORD_TEMPLATE_ID})",
            lambda: (
                css.create_record_task(
                    stream_name=user_id, end_time=timezone.now() + timedelta(seconds=seconds + 600)
                ).task_id
            ),
        )
        time.sleep(max(3.0, settings.RECORDING_PUSH_DELAY_SECONDS))  # CSS: the push ≥ 3 s after the task
        step("StartPublishStream", lambda: car.start_publish_stream(user_id=user_id).request_id)
        step(
            "stream live (DescribeLiveStreamState)",
            lambda: wait_for(
                "stream live",
                lambda: css.describe_live_stream_state(stream_name=user_id) == "active",
                timeout_s=90,
                every_s=poll_s,
            ),
        )
        step(f"recording for {seconds:.0f} s", lambda: time.sleep(seconds))
    finally:
        step("StopPublishStream", lambda: _quietly(lambda: car.stop_publish_stream(user_id=user_id)))
        if task_id:
            step("StopRecordTask", lambda: _quietly(lambda: css.stop_record_task(task_id=task_id)))
        step(
            "DestroySession (concurrency released)",
            lambda: _quietly(lambda: car.destroy_session(user_id=user_id)),
        )

    def files() -> list[str]:
        media = vod.search_media(stream_ids=[user_id], created_after=started_at - timedelta(minutes=5)).items
        keys = [
            obj.key
            for obj in cos.list_objects(prefix=setup_cos_path.listing_prefix(stream_name=user_id)).objects
            if setup_cos_path.stream_of_key(obj.key) == user_id
        ]
        return [f"vod:{item.file_id}" for item in media] + [f"cos:{key}" for key in keys]

    found = step(
        "recorded files (VOD SearchMedia / COS listing)",
        lambda: wait_for("recorded files", files, timeout_s=file_timeout_s, every_s=poll_s),
    )
    for name in found:
        kind, _, ident = name.partition(":")
        if kind == "vod":
            step(f"DeleteMedia {ident}", functools.partial(vod.delete_media, file_id=ident))
        else:
            step(f"DeleteObject {ident}", functools.partial(cos.delete_object, key=ident))
    step("DeleteRecordTask", lambda: _quietly(lambda: css.delete_record_task(task_id=task_id)))


def _quietly(call: Callable[[], object]) -> str:
    """Clean-up steps report their error instead of hiding the first failure."""
    from tencent.errors import TencentError

    try:
        call()
    except TencentError as error:
        return f"{error.code} (ignored)"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to record (default 60)")
    parser.add_argument(
        "--file-timeout", type=float, default=900.0, help="how long to wait for the files (Tencent: minutes)"
    )
    args = parser.parse_args(argv)
    if not os.environ.get("TENCENT_SECRET_ID"):
        print("cloud-smoke: skipped (no TENCENT_SECRET_ID in the environment: nothing real to test)")
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    try:
        smoke(seconds=args.seconds, file_timeout_s=args.file_timeout)
    except Exception as error:  # every failure ends the smoke test the same way: named, exit 1
        print(f"cloud-smoke: FAILED: {type(error).__name__}: {error}")
        return 1
    print("cloud-smoke: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
