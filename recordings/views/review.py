"""Moderation pages: the review queue, the review page of a file (player, notes, timeline, verdict) and statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from recordings.forms.review import NoteForm, QueueFilterForm, VerdictForm
from recordings.models import InteractionEvent, QaFlag, RecordingFile, ReviewClaim, ReviewNote, ReviewVerdict
from recordings.review_chart import reviewed_per_day_figure
from recordings.services import files, review, review_recognition
from tencent.errors import TencentError

STATS_DAYS = 30


@requires(Capability.VIEW_REVIEWS)
def review_queue(request: HttpRequest) -> HttpResponse:
    user, now = current_user(request), timezone.now()
    form = QueueFilterForm(request.GET or None)
    queue = form.filter(review.queue_files(now=now), user=user, now=now)
    context = {
        "form": form,
        "page": paginate(request, queue),
        "now": now,
        "claims": review.claims_by_moderator(now=now),
        "can_review": has_capability(user, Capability.REVIEW),
    }
    return render_list(request, "recordings/review/queue.html", context)


@requires(Capability.REVIEW)
@require_POST
def review_next(request: HttpRequest) -> HttpResponse:
    recording = review.review_claim_next(actor=current_user(request))
    if recording is None:
        messages.info(request, "Nothing is waiting for review.")
        return redirect("recordings:review_queue")
    return redirect("recordings:review_file", pk=recording.pk)


def _review_context(request: HttpRequest, recording: RecordingFile) -> dict[str, Any]:
    user, now = current_user(request), timezone.now()
    signed, signing_error = None, ""
    if recording.is_playable:
        try:
            signed = files.signed_url(recording)
        except TencentError as exc:
            signing_error = exc.message
    claim = ReviewClaim.objects.select_related("moderator").filter(file=recording).first()
    interactions = [
        {"event": event, "offset_s": review.offset_in(recording, event.at)}
        for event in InteractionEvent.objects.for_file(recording)
    ]
    transcript = getattr(recording, "transcript", None)
    return {
        "file": recording,
        "signed": signed,
        "signing_error": signing_error,
        "refresh_in_s": files.SIGNED_URL_REFRESH_S,
        "claim": claim if claim is not None and claim.is_active(now) else None,
        "verdicts": list(ReviewVerdict.objects.filter(file=recording).history()),
        "notes": ReviewNote.objects.filter(file=recording).select_related("author"),
        "flags": list(QaFlag.objects.filter(file=recording)),
        "qa_check": getattr(recording, "qa_check", None),
        "interactions": interactions,
        "transcript": transcript,
        "segments": list(transcript.segments.all()) if transcript is not None else [],
        "can_decide": review.may_decide(user, recording) and not recording.is_deleted,
        "can_claim": has_capability(user, Capability.REVIEW) and not recording.is_deleted,
        "recognition_enabled": review_recognition.recognition_enabled(),
        "verdict_form": VerdictForm(actor=user),
        "note_form": NoteForm(),
    }


def _file_or_404(pk: int) -> RecordingFile:
    return get_object_or_404(
        RecordingFile.objects.select_related("room__client_app", "session", "qa_check", "transcript"), pk=pk
    )


@requires(Capability.VIEW_REVIEWS)
def review_file(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "recordings/review/file.html", _review_context(request, _file_or_404(pk)))


@requires(Capability.REVIEW)
@require_POST
def review_claim(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        claim = review.review_claim(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Claimed until {timezone.localtime(claim.expires_at):%H:%M}.")
    return redirect("recordings:review_file", pk=pk)


@requires(Capability.REVIEW)
@require_POST
def review_release(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review.review_release(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect("recordings:review_queue")


@requires(Capability.VIEW_REVIEWS)
@require_POST
def review_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    recording = _file_or_404(pk)
    form = VerdictForm(request.POST, actor=user)
    if not form.is_valid():
        context = _review_context(request, recording)
        context["verdict_form"] = form
        return render(request, "recordings/review/file.html", context, status=400)
    data = form.cleaned_data
    verdict = review.VerdictInput(
        decision=data["decision"],
        reason_code=data["reason"].code if data["reason"] else "",
        comment=data["comment"],
        hide_from_outputs=data["hide_from_outputs"],
        escalate_to=data["escalate_to"].pk if data["escalate_to"] else None,
    )
    try:
        saved = review.review_verdict(file_pk=pk, verdict=verdict, actor=user)
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{saved.get_decision_display()} (revision {saved.revision}).")
    return redirect("recordings:review_file", pk=pk)


@requires(Capability.VIEW_REVIEWS)
@require_POST
def review_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    recording = _file_or_404(pk)
    form = NoteForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            review.review_note_add(
                file_pk=pk,
                position_s=form.cleaned_data["position_s"],
                text=form.cleaned_data["text"],
                actor=current_user(request),
            )
        except review.ReviewError as exc:
            error = str(exc)
        else:
            form = NoteForm()
    else:
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect("recordings:review_file", pk=pk)
    context = {
        "file": recording,
        "notes": ReviewNote.objects.filter(file=recording).select_related("author"),
        "note_error": error,
        "can_decide": review.may_decide(current_user(request), recording),
    }
    # 200 even with an error: htmx swaps only successful responses, and the partial shows the message.
    return render(request, "recordings/review/file.html#notes", context)


@requires(Capability.REVIEW)
@require_POST
def review_checks(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review.qa_checks_request(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The automatic checks are queued; reload in a minute.")
    return redirect("recordings:review_file", pk=pk)


@requires(Capability.REVIEW)
@require_POST
def review_recognize(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review_recognition.transcript_request(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Recognition started; the transcript appears here when MPS has finished.")
    return redirect("recordings:review_file", pk=pk)


@requires(Capability.VIEW_REVIEWS)
def review_stats(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    since = timezone.localdate(now) - timedelta(days=STATS_DAYS - 1)
    rows = review.reviewed_per_day(since=since)
    figure = reviewed_per_day_figure(rows)
    context = {
        "rows": rows,
        "since": since,
        "age": review.pending_age(now=now),
        "chart": figure,
        "claims": review.claims_by_moderator(now=now),
    }
    return render(request, "recordings/review/stats.html", context)
