"""Live now: the board of live streams, the live page of a room or session, its play URLs, health, drop."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.cache import redis_unavailable
from dashboard.listing import render_list
from recordings.media.health_chart import health_figure
from recordings.media.services import live
from recordings.models import PushAnomaly, RecordingSession, Room, StreamPush
from tencent.errors import TencentError


@requires(Capability.VIEW_RECORDINGS)
def live_board(request: HttpRequest) -> HttpResponse:
    entries = live.live_board()
    context = {
        "entries": entries,
        # Without Redis the board still shows what callbacks reported; it says why CSS did not confirm it.
        "redis_down": redis_unavailable(),
        "can_audit": has_capability(request.user, Capability.VIEW_AUDIT),
    }
    return render_list(request, "recordings/live_board.html", context)


def _live_page(
    request: HttpRequest, *, stream_name: str, room: Room | None, session: RecordingSession | None
) -> HttpResponse:
    push = StreamPush.objects.newest_of_stream(stream_name)
    anomalies = PushAnomaly.objects.filter(stream_name=stream_name).recent()
    context = {
        "stream_name": stream_name,
        "room": room,
        "session": session,
        "push": push,
        "anomalies": anomalies,
        "hevc_push": live.pushes_hevc(stream_name=stream_name, push=push),
        "can_operate": has_capability(request.user, Capability.OPERATE_RECORDINGS),
        "play_urls_url": reverse("recordings:live_play_urls", args=[stream_name]),
        "health_url": reverse("recordings:live_health", args=[stream_name]),
        "drop_url": reverse("recordings:live_drop", args=[stream_name]),
    }
    return render(request, "recordings/live_page.html", context)


@requires(Capability.VIEW_RECORDINGS)
def live_room(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=pk)
    push = StreamPush.objects.live_in_room(room.pk)
    stream = push.stream_name if push is not None else room.stream_name
    return _live_page(request, stream_name=stream, room=room, session=push.session if push else None)


@requires(Capability.VIEW_RECORDINGS)
def live_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(RecordingSession.objects.select_related("room"), pk=pk)
    return _live_page(request, stream_name=session.car_user_id, room=session.room, session=session)


def _known_stream_or_404(stream_name: str) -> str:
    if not live.is_known_stream(stream_name):
        raise Http404("No room, session or push uses this stream.")
    return stream_name


@requires(Capability.VIEW_RECORDINGS)
def live_play_urls(request: HttpRequest, stream: str) -> JsonResponse:
    urls = live.play_urls(stream_name=_known_stream_or_404(stream))
    return JsonResponse(urls, headers={"Cache-Control": "no-store"})


@requires(Capability.VIEW_RECORDINGS)
def live_health(request: HttpRequest, stream: str) -> JsonResponse:
    stream = _known_stream_or_404(stream)
    try:
        samples = live.push_samples(stream_name=stream)
    except TencentError as exc:
        return JsonResponse({"error": f"CSS could not be asked for the push data: {exc.message}"}, status=502)
    anomalies = live.recent_anomalies(stream_name=stream)
    latest = samples[-1] if samples else None
    return JsonResponse(
        {
            "points": len(samples),
            "anomalies": len(anomalies),
            "latest": {
                "resolution": latest.resolution.replace("*", "x"),
                "video_kbps": round(latest.video_bps / 1000),
                "fps": latest.video_fps,
            }
            if latest
            else None,
            "figure": health_figure(samples, anomalies),
        },
        headers={"Cache-Control": "no-store"},
    )


@requires(Capability.OPERATE_RECORDINGS)
@require_http_methods(["GET", "POST"])
def live_drop(request: HttpRequest, stream: str) -> HttpResponse:
    stream = _known_stream_or_404(stream)
    if request.method == "POST":
        try:
            live.stream_drop(stream_name=stream, actor=current_user(request))
        except TencentError as exc:
            messages.error(
                request, gettext("CSS did not drop the stream: %(error)s") % {"error": exc.message}
            )
        else:
            messages.success(
                request,
                gettext("Stream %(stream)s dropped; the push-ended callback will follow.")
                % {"stream": stream},
            )
        return redirect("recordings:live_board")
    return render(request, "recordings/live_drop_confirm.html", {"stream_name": stream})
