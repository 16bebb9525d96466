"""The outputs browser: every recording file across VOD and COS, a file page with a player, deletion, totals."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from dashboard.timezones import format_local
from recordings.media import storage
from recordings.media.forms import FileFilterForm
from recordings.media.services import files
from recordings.models import RecordingFile, files_visible_to
from tencent.errors import TencentError

# Counting every one of 200,000 files costs more than showing a page of them: the list counts up to this.
LIST_COUNT_CAP = 10_000


@requires(Capability.VIEW_RECORDINGS)
def file_list(request: HttpRequest) -> HttpResponse:
    form = FileFilterForm(request.GET or None)
    recordings = form.filter(files_visible_to(request.user, RecordingFile.objects.listing()))
    return render_list(
        request,
        "recordings/file_list.html",
        {"form": form, "page": paginate(request, recordings, count_cap=LIST_COUNT_CAP)},
    )


@requires(Capability.VIEW_RECORDINGS)
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    files_seen = files_visible_to(
        request.user, RecordingFile.objects.select_related("room__client_app", "session")
    )
    recording = get_object_or_404(files_seen, pk=pk)
    signed = None
    signing_error = ""
    if not recording.is_deleted:
        try:
            signed = files.signed_url(recording)
        except TencentError as exc:
            signing_error = exc.message
    context = {
        "file": recording,
        "signed": signed,
        "signing_error": signing_error,
        "refresh_in_s": files.SIGNED_URL_REFRESH_S,
        "can_operate": has_capability(request.user, Capability.OPERATE_RECORDINGS),
    }
    return render(request, "recordings/file_detail.html", context)


@requires(Capability.VIEW_RECORDINGS)
def file_signed_url(request: HttpRequest, pk: int) -> JsonResponse:
    recording = get_object_or_404(files_visible_to(request.user, RecordingFile.objects.present()), pk=pk)
    try:
        signed = files.signed_url(recording)
    except TencentError as exc:
        return JsonResponse({"error": exc.message}, status=502)
    return JsonResponse(
        {
            "url": signed.url,
            "expires_at": signed.expires_at.isoformat(),
            "expires_at_display": format_local(signed.expires_at, "H:i:s"),
            "refresh_in_s": files.SIGNED_URL_REFRESH_S,
        },
        headers={"Cache-Control": "no-store"},
    )


@requires(Capability.OPERATE_RECORDINGS)
@require_http_methods(["GET", "POST"])
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    recording = get_object_or_404(
        files_visible_to(request.user, RecordingFile.objects.select_related("room")), pk=pk
    )
    if recording.is_deleted:
        messages.info(request, "This file was already deleted.")
        return redirect("recordings:file_detail", pk=pk)
    if request.method == "POST":
        try:
            files.recording_file_delete(file_pk=pk, actor=current_user(request))
        except TencentError as exc:
            messages.error(
                request,
                f"The file could not be deleted from {recording.get_storage_display()}: {exc.message}",
            )
        except files.FileAlreadyDeleted:
            messages.info(request, "This file was already deleted.")
        except files.FileHeld as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Deleted {recording} from {recording.get_storage_display()}.")
        return redirect("recordings:file_detail", pk=pk)
    return render(request, "recordings/file_delete_confirm.html", {"file": recording})


@requires(Capability.VIEW_RECORDINGS)
def file_storage(request: HttpRequest) -> HttpResponse:
    totals = storage.storage_totals()
    return render_list(
        request,
        "recordings/file_storage.html",
        {"apps": totals["apps"], "page": paginate(request, totals["rooms"])},  # type: ignore[arg-type]
    )
