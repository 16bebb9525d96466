"""The outputs browser: every recording file across VOD and COS, a file page with a player (or, for an archived
file, the offer to restore it), deletion, totals."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from dashboard.timezones import format_local
from lifecycle import restore
from lifecycle.restore_forms import RestoreForm, restore_box_context
from recordings.media import storage
from recordings.media.forms import FileFilterForm
from recordings.media.services import files
from recordings.models import RecordingFile, files_visible_to
from tencent.errors import TencentError

# Counting every one of 200,000 files costs more than showing a page of them: the list counts up to this.
LIST_COUNT_CAP = 10_000
RESTORE_BOX = "recordings/_file_restore.html"


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
    restore_state = None if recording.is_deleted else restore.restore_state(recording_file=recording)
    if restore_state is not None and restore_state.playable:
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
        **restore_box_context(recording, restore_state),
    }
    return render(request, "recordings/file_detail.html", context)


def _visible_present(request: HttpRequest, pk: int) -> RecordingFile:
    return get_object_or_404(files_visible_to(request.user, RecordingFile.objects.present()), pk=pk)


# Restoring costs a retrieval fee, but one cannot play an archived file otherwise: whoever may play files (view
# them: VIEW_RECORDINGS) may restore them. The audit log names who asked.
@requires(Capability.VIEW_RECORDINGS)
@require_POST
def file_restore(request: HttpRequest, pk: int) -> HttpResponse:
    recording = _visible_present(request, pk)
    state = restore.restore_state(recording_file=recording)
    form = RestoreForm(request.POST, tiers=state.tiers)
    status, error = 200, ""
    if state.playable or state.restoring:
        pass  # asked twice (two tabs, a double click): the box shows what runs
    elif not form.is_valid():
        status = 400
    else:
        try:
            restore.file_restore(
                recording_file=recording,
                actor=current_user(request),
                tier=form.cleaned_data["tier"],
                days=form.cleaned_data["days"],
            )
        except restore.NotArchived:
            pass  # it plays: the box answers with a reload
        except ValueError as exc:
            status, error = 400, str(exc)
        except TencentError as exc:
            status = 502
            error = gettext("Tencent Cloud did not start the restore: %(error)s") % {"error": exc.message}
        state = restore.restore_state(recording_file=recording)
    if not request.htmx:  # type: ignore[attr-defined]  # django-htmx's middleware
        if error or status == 400:
            messages.error(request, error or gettext("Choose a speed and 1 to 30 days."))
        back = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect("recordings:file_detail", pk=pk)
    if state.playable:
        return HttpResponseClientRefresh()
    context = restore_box_context(recording, state, form if status == 400 else None)
    return render(request, RESTORE_BOX, {**context, "restore_error": error}, status=status)


@requires(Capability.VIEW_RECORDINGS)
def file_restore_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the box while a restore runs: the box again, or a page reload once the file plays."""
    recording = _visible_present(request, pk)
    state = restore.restore_check(recording_file=recording)
    if state.playable:
        return HttpResponseClientRefresh()
    return render(request, RESTORE_BOX, restore_box_context(recording, state))


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
        messages.info(request, gettext("This file was already deleted."))
        return redirect("recordings:file_detail", pk=pk)
    if request.method == "POST":
        try:
            files.recording_file_delete(file_pk=pk, actor=current_user(request))
        except TencentError as exc:
            messages.error(
                request,
                gettext("The file could not be deleted from %(storage)s: %(error)s")
                % {"storage": recording.get_storage_display(), "error": exc.message},
            )
        except files.FileAlreadyDeleted:
            messages.info(request, gettext("This file was already deleted."))
        except files.FileHeld as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                gettext("Deleted %(file)s from %(storage)s.")
                % {"file": recording, "storage": recording.get_storage_display()},
            )
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
