"""`manage.py tencent_check`: one harmless read call per service, to check credentials, endpoints and rights
after pointing the console at a Tencent Cloud account (or at the emulator)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tencent import car, cos, css, vod
from tencent.errors import TencentError


def _checks() -> list[tuple[str, Callable[[], str]]]:
    def car_check() -> str:
        count = car.describe_concurrent_count(project_id=settings.CAR_PROJECT_ID)
        return f"project {settings.CAR_PROJECT_ID}: {count.running}/{count.total} concurrencies running"

    def css_check() -> str:
        streams = css.describe_live_stream_online_list()
        return f"push domain {settings.CSS_PUSH_DOMAIN}: {len(streams)} stream(s) online"

    def vod_check() -> str:
        return f"{vod.describe_storage_data().total_storage_bytes} bytes stored"

    def cos_check() -> str:
        listing = cos.list_objects(max_keys=1)
        return f"bucket {settings.COS_BUCKET} readable ({'not ' if not listing.objects else ''}empty)"

    return [("CAR", car_check), ("CSS", css_check), ("VOD", vod_check), ("COS", cos_check)]


class Command(BaseCommand):
    help = "Call one read-only API of CAR, CSS, VOD and COS and report what works."

    def handle(self, *args: Any, **options: Any) -> None:
        endpoint = settings.TENCENT_API_ENDPOINT or f"<service>.{settings.TENCENT_ROOT_DOMAIN}"
        self.stdout.write(
            f"Tencent Cloud API at {settings.TENCENT_API_SCHEME}://{endpoint}, region {settings.TENCENT_REGION}"
        )
        failed = []
        for name, check in _checks():
            try:
                self.stdout.write(self.style.SUCCESS(f"  {name}: ok, {check()}"))
            except TencentError as error:
                failed.append(name)
                self.stdout.write(self.style.ERROR(f"  {name}: {error}"))
        if failed:
            raise CommandError(f"Failed: {', '.join(failed)} (details in the Tencent API call log)")
