"""Live streams: the "Live now" board, play URLs, stream health, and dropping a push.

The board starts from the pushes the callbacks say are live and cross-checks them with
DescribeLiveStreamOnlineList (cached briefly: the board refreshes every few seconds for every viewer). CSS's list
is advisory and so are callbacks, so neither overrides the other: a disagreement shows as a badge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from dashboard import audit
from dashboard.audit import Actor
from dashboard.timezones import format_local
from recordings.media.services.callbacks import NOT_ONLINE
from recordings.models import PushAnomaly, RecordingSession, Room, StreamPush, StreamScreenshot
from tencent import css, signing
from tencent.errors import TencentError
from tencent.results import PlayUrls, PushSample

logger = logging.getLogger(__name__)

ONLINE_CACHE_KEY = "recordings:css-online-streams"
ONLINE_CACHE_SECONDS = 10
PUSH_SAMPLES_CACHE_KEY = "recordings:css-push-samples"
PUSH_SAMPLES_CACHE_SECONDS = 4
ANOMALY_WINDOW = timedelta(minutes=5)
HEALTH_WINDOW = timedelta(minutes=10)
# A push CSS does not list as online is closed by the reconciliation only once it is this old.
RECONCILE_GRACE = timedelta(minutes=2)
# Re-sign play URLs this long before they lapse, so a player never requests with an expired signature.
PLAY_URL_REFRESH_MARGIN = timedelta(minutes=2)


class Health:
    GOOD = "good"
    WARNING = "warning"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class LiveEntry:
    stream_name: str
    app_name: str
    room: Room | None
    session: RecordingSession | None
    started_at: datetime | None
    thumbnail_url: str
    recent_anomalies: int
    confirmed: bool | None  # None: CSS could not be asked
    from_callbacks: bool

    @property
    def health(self) -> str:
        if self.confirmed is False:
            return Health.UNCONFIRMED
        return Health.WARNING if self.recent_anomalies else Health.GOOD

    @property
    def live_for_s(self) -> float | None:
        return (timezone.now() - self.started_at).total_seconds() if self.started_at else None

    @property
    def client_app_name(self) -> str:
        return self.room.client_app.name if self.room is not None else ""


def online_stream_names() -> set[str] | None:
    """Streams CSS reports as being pushed now; None when CSS cannot be asked."""
    cached: list[str] | None = cache.get(ONLINE_CACHE_KEY)
    if cached is not None:
        return set(cached)
    try:
        names = sorted({s.stream_name for s in css.describe_live_stream_online_list()})
    except TencentError as exc:
        logger.warning("DescribeLiveStreamOnlineList failed: %s", exc)
        return None
    cache.set(ONLINE_CACHE_KEY, names, ONLINE_CACHE_SECONDS)
    return set(names)


def live_board(*, now: datetime | None = None) -> list[LiveEntry]:
    now = now or timezone.now()
    latest_picture = StreamScreenshot.objects.filter(stream_name=OuterRef("stream_name")).order_by(
        "-taken_at"
    )
    pushes = list(
        StreamPush.objects.board().annotate(thumbnail=Subquery(latest_picture.values("pic_full_url")[:1]))
    )
    online = online_stream_names()
    known = {push.stream_name for push in pushes}
    # Streams CSS sees but whose start callback was lost: shown too, attached to their room when there is one.
    missing = sorted((online or set()) - known)
    extra_rooms = {room.stream_name: room for room in Room.objects.listing().filter(stream_name__in=missing)}
    streams = known | set(missing)
    anomalies = dict(
        PushAnomaly.objects.filter(stream_name__in=streams, occurred_at__gte=now - ANOMALY_WINDOW)
        .values_list("stream_name")
        .annotate(n=Count("id"))
        .values_list("stream_name", "n")
    )
    # Ascending, so the latest picture of each stream is the one the dict keeps.
    pictures = dict(
        StreamScreenshot.objects.filter(stream_name__in=missing)
        .order_by("stream_name", "taken_at")
        .values_list("stream_name", "pic_full_url")
    )
    entries = [
        LiveEntry(
            stream_name=push.stream_name,
            app_name=push.app_name,
            room=push.room,
            session=push.session,
            started_at=push.started_at,
            thumbnail_url=getattr(push, "thumbnail", None) or "",
            recent_anomalies=anomalies.get(push.stream_name, 0),
            confirmed=None if online is None else push.stream_name in online,
            from_callbacks=True,
        )
        for push in pushes
    ]
    entries += [
        LiveEntry(
            stream_name=name,
            app_name=extra_rooms[name].app_name if name in extra_rooms else settings.CSS_APP_NAME,
            room=extra_rooms.get(name),
            session=None,
            started_at=None,
            thumbnail_url=pictures.get(name, ""),
            recent_anomalies=anomalies.get(name, 0),
            confirmed=True,
            from_callbacks=False,
        )
        for name in missing
    ]
    return entries


def is_known_stream(stream_name: str) -> bool:
    """Only streams the console knows get signed play URLs or can be dropped."""
    return (
        Room.objects.filter(stream_name=stream_name).exists()
        or StreamPush.objects.filter(stream_name=stream_name).exists()
        or RecordingSession.objects.filter(car_user_id=stream_name).exists()
    )


def app_name_of(stream_name: str) -> str:
    push = StreamPush.objects.filter(stream_name=stream_name).exclude(app_name="").order_by("-id").first()
    if push is not None:
        return push.app_name
    room = Room.objects.filter(stream_name=stream_name).first()
    return room.app_name if room is not None else settings.CSS_APP_NAME


def play_urls(*, stream_name: str, now: datetime | None = None) -> dict[str, Any]:
    """Freshly signed play URLs plus when the player should ask again (before they lapse)."""
    now = now or timezone.now()
    expires_at = now + timedelta(seconds=settings.CSS_PLAY_URL_TTL_SECONDS)
    urls: PlayUrls = signing.css_play_urls(
        stream_name=stream_name, expires_at=expires_at, app_name=app_name_of(stream_name)
    )
    margin = min(PLAY_URL_REFRESH_MARGIN, (urls.expires_at - now) / 2)
    return {
        "stream": stream_name,
        "hls": urls.hls,
        "flv": urls.flv,
        "webrtc": urls.webrtc,
        "rtmp": urls.rtmp,
        "expires_at": urls.expires_at.isoformat(),
        # The page shows the console's (or the user's) zone, not the browser's: the server words the time.
        "expires_at_display": format_local(urls.expires_at, "H:i:s"),
        "refresh_in_s": max(int((urls.expires_at - margin - now).total_seconds()), 1),
    }


def push_samples(*, stream_name: str, now: datetime | None = None) -> list[PushSample]:
    """The last 10 minutes of push quality. Shared for a few seconds by everyone watching the stream, so the
    number of viewers never multiplies DescribeStreamPushInfoList calls."""
    key = f"{PUSH_SAMPLES_CACHE_KEY}:{stream_name}"
    cached: list[PushSample] | None = cache.get(key)
    if cached is not None:
        return cached
    now = now or timezone.now()
    samples = css.describe_stream_push_info_list(
        stream_name=stream_name,
        start_time=now - HEALTH_WINDOW,
        end_time=now,
        app_name=app_name_of(stream_name),
    )
    cache.set(key, samples, PUSH_SAMPLES_CACHE_SECONDS)
    return samples


# CAR picks a push's codec from its client's capabilities, H.265 first, and StartPublishStream has no parameter to
# ask for H.264: a session without a client may push H.265, which most browsers cannot play.
HEVC_CODECS = frozenset({"hevc", "h265", "h.265"})


def pushes_hevc(*, stream_name: str, push: StreamPush | None) -> bool:
    """Whether the live push's video is H.265 as CSS measures it; False when unknown (not live, no sample yet,
    CSS failing), so the page warns only on evidence."""
    if push is None or not push.is_live:
        return False
    try:
        samples = push_samples(stream_name=stream_name)
    except TencentError:
        return False
    return bool(samples) and samples[-1].video_codec.lower() in HEVC_CODECS


def recent_anomalies(*, stream_name: str, now: datetime | None = None) -> list[PushAnomaly]:
    now = now or timezone.now()
    return list(
        PushAnomaly.objects.filter(stream_name=stream_name, occurred_at__gte=now - HEALTH_WINDOW).order_by(
            "occurred_at"
        )
    )


@transaction.atomic
def stream_drop(*, stream_name: str, actor: Actor) -> None:
    """Disconnect a push (DropLiveStream). The push-ended callback then closes it like any other end."""
    result = css.drop_live_stream(stream_name=stream_name, app_name=app_name_of(stream_name))
    push = StreamPush.objects.live().filter(stream_name=stream_name).first()
    room = Room.objects.filter(stream_name=stream_name).first()
    audit.record(
        actor=actor,
        action="stream.drop",
        obj=push or room,
        object_repr=f"stream {stream_name}",
        changes={"stream": stream_name, "request_id": result.request_id},
    )
    cache.delete(ONLINE_CACHE_KEY)


def live_pushes_reconcile(*, now: datetime | None = None) -> int:
    """Close the pushes callbacks left open that CSS no longer lists as online (their end callback was lost).

    Only pushes older than a grace period are closed, so a push that just started and is not yet in CSS's
    (advisory) list stays. Returns how many were closed; the session side has its own reconciliation.
    """
    now = now or timezone.now()
    # Asked before any transaction: on SQLite a transaction holds the whole database's write lock, which
    # every other writer would wait on for as long as CSS takes to answer (retries included).
    online = {s.stream_name for s in css.describe_live_stream_online_list()}
    stale = (
        StreamPush.objects.live().filter(started_at__lt=now - RECONCILE_GRACE).exclude(stream_name__in=online)
    )
    # One UPDATE statement: atomic by itself. Its real end callback, if any, corrects it.
    closed = stale.update(ended_at=now, end_reason=NOT_ONLINE)
    if closed:
        cache.delete(ONLINE_CACHE_KEY)
    return closed
