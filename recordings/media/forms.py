"""Filters of the outputs browser: the shared app/room/day window plus format, duration, review and sort."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from recordings.filters import RecordingWindowFilterForm
from recordings.models import FileFormat, RecordingFile, ReviewStatus

SORTS = {
    "newest": ("-content_start", "-id"),
    "oldest": ("content_start", "id"),
    "largest": ("-size_bytes", "-id"),
    "longest": ("-duration_s", "-id"),
}


class FileFilterForm(RecordingWindowFilterForm):
    format = forms.ChoiceField(
        required=False, choices=[("", _("Any format")), *FileFormat.choices], label=_("Format")
    )
    min_minutes = forms.FloatField(required=False, min_value=0, label=_("Min. minutes"))
    max_minutes = forms.FloatField(required=False, min_value=0, label=_("Max. minutes"))
    review = forms.ChoiceField(
        required=False, label=_("Review"), choices=[("", _("Any")), *ReviewStatus.choices]
    )
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort"),
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("largest", _("Largest")),
            ("longest", _("Longest")),
        ],
    )

    def filter(self, queryset: QuerySet[RecordingFile]) -> QuerySet[RecordingFile]:
        if not self.is_valid():
            return queryset
        queryset = self.filter_window(queryset)
        data = self.cleaned_data
        if data["format"]:
            queryset = queryset.filter(format=data["format"])
        if data["min_minutes"] is not None:
            queryset = queryset.filter(duration_s__gte=data["min_minutes"] * 60)
        if data["max_minutes"] is not None:
            queryset = queryset.filter(duration_s__lte=data["max_minutes"] * 60)
        if data["review"]:
            queryset = queryset.filter(review_status=data["review"])
        return queryset.order_by(*SORTS.get(data["sort"] or "newest", SORTS["newest"]))
