"""The outputs browser: every recording file across VOD and COS, a file page with a player, deletion, totals."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from recordings.models import ClientApp, FileFormat, RecordingFile, ReviewStatus, Room, files_visible_to
from recordings.services import files
from tencent.errors import TencentError

SORTS = {
    "newest": ("-content_start", "-id"),
    "oldest": ("content_start", "id"),
    "largest": ("-size_bytes", "-id"),
    "longest": ("-duration_s", "-id"),
}


class FileFilterForm(forms.Form):
    app = forms.ModelChoiceField(ClientApp.objects.order_by("name"), required=False, empty_label="Any app")
    room = forms.ModelChoiceField(Room.objects.order_by("name"), required=False, empty_label="Any room")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(required=False, choices=[("", "Any format"), *FileFormat.choices])
    min_minutes = forms.FloatField(required=False, min_value=0, label="Min. minutes")
    max_minutes = forms.FloatField(required=False, min_value=0, label="Max. minutes")
    review = forms.ChoiceField(required=False, label="Review", choices=[("", "Any"), *ReviewStatus.choices])
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
            ("largest", "Largest"),
            ("longest", "Longest"),
        ],
    )

    def filter(self, queryset: QuerySet[RecordingFile]) -> QuerySet[RecordingFile]:
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        if data["app"]:
            queryset = queryset.filter(room__client_app=data["app"])
        if data["room"]:
            queryset = queryset.filter(room=data["room"])
        if data["since"]:
            queryset = queryset.filter(
                content_start__gte=datetime.combine(data["since"], time.min, tzinfo=tz)
            )
        if data["until"]:
            queryset = queryset.filter(
                content_start__lte=datetime.combine(data["until"], time.max, tzinfo=tz)
            )
        if data["format"]:
            queryset = queryset.filter(format=data["format"])
        if data["min_minutes"] is not None:
            queryset = queryset.filter(duration_s__gte=data["min_minutes"] * 60)
        if data["max_minutes"] is not None:
            queryset = queryset.filter(duration_s__lte=data["max_minutes"] * 60)
        if data["review"]:
            queryset = queryset.filter(review_status=data["review"])
        return queryset.order_by(*SORTS.get(data["sort"] or "newest", SORTS["newest"]))


@requires(Capability.VIEW_RECORDINGS)
def file_list(request: HttpRequest) -> HttpResponse:
    form = FileFilterForm(request.GET or None)
    recordings = form.filter(files_visible_to(request.user, RecordingFile.objects.listing()))
    return render_list(
        request, "recordings/file_list.html", {"form": form, "page": paginate(request, recordings)}
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
        "refresh_in_s": int(files.SIGNED_URL_TTL.total_seconds() * 0.8),
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
            "refresh_in_s": int(files.SIGNED_URL_TTL.total_seconds() * 0.8),
        },
        headers={"Cache-Control": "no-store"},
    )


@requires(Capability.OPERATE_RECORDINGS)
@require_http_methods(["GET", "POST"])
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    recording = get_object_or_404(RecordingFile.objects.select_related("room"), pk=pk)
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
        else:
            messages.success(request, f"Deleted {recording} from {recording.get_storage_display()}.")
        return redirect("recordings:file_detail", pk=pk)
    return render(request, "recordings/file_delete_confirm.html", {"file": recording})


@requires(Capability.VIEW_RECORDINGS)
def file_storage(request: HttpRequest) -> HttpResponse:
    totals = files.storage_totals()
    return render(request, "recordings/file_storage.html", totals)
