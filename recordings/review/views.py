"""Moderation pages: the review queue, the review page of a file (player, notes, timeline, verdict) and statistics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from dashboard.timezones import format_local
from lifecycle import restore
from lifecycle.restore_forms import restore_box_context
from recordings.media.services import files
from recordings.models import InteractionEvent, QaFlag, RecordingFile, ReviewClaim, ReviewNote, ReviewVerdict
from recordings.review.chart import reviewed_per_day_figure
from recordings.review.forms import NoteForm, QueueFilterForm, UndoForm, VerdictForm
from recordings.review.services import recognition as review_recognition
from recordings.review.services import review
from tencent.errors import TencentError

STATS_DAYS = 30


@requires(Capability.VIEW_REVIEWS)
def review_queue(request: HttpRequest) -> HttpResponse:
    user, now = current_user(request), timezone.now()
    form = QueueFilterForm(request.GET or None)
    queue = form.filter(review.queue_files(), user=user, now=now)
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
        messages.info(request, gettext("Nothing is waiting for review."))
        return redirect("recordings:review_queue")
    return redirect("recordings:review_file", pk=recording.pk)


REVIEW_PAGE = "recordings/review/file.html"
Feedback = tuple[str, str]  # (level, text): an outcome shown in place, in the page's message area


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))  # django-htmx's middleware sets it


def _panel_context(request: HttpRequest, recording: RecordingFile) -> dict[str, Any]:
    """What the panels that change in place need: claim, notes, verdict form, history, status, the undo offer."""
    user, now = current_user(request), timezone.now()
    verdicts = list(ReviewVerdict.objects.filter(file=recording).history())
    current = next((verdict for verdict in verdicts if verdict.is_current), None)
    return {
        "file": recording,
        "claim": ReviewClaim.objects.active_on(recording, now),
        "verdicts": verdicts,
        "notes": ReviewNote.objects.filter(file=recording).select_related("author"),
        "can_decide": review.may_decide(user, recording) and not recording.is_deleted,
        "can_claim": has_capability(user, Capability.REVIEW) and not recording.is_deleted,
        "verdict_form": VerdictForm(actor=user, initial={"revision": current.revision if current else 0}),
        "note_form": NoteForm(),
        "undo": review.verdict_undo_offer(recording, user, now),
        "feedback": [],
    }


def _review_context(request: HttpRequest, recording: RecordingFile) -> dict[str, Any]:
    signed, signing_error = None, ""
    restore_state = None if recording.is_deleted else restore.restore_state(recording_file=recording)
    if recording.is_playable and restore_state is not None and restore_state.playable:
        try:
            signed = files.signed_url(recording)
        except TencentError as exc:
            signing_error = exc.message
    interactions = [
        {"event": event, "offset_s": review.offset_in(recording, event.at)}
        for event in InteractionEvent.objects.for_file(recording)
    ]
    transcript = getattr(recording, "transcript", None)
    return {
        **_panel_context(request, recording),
        "signed": signed,
        "signing_error": signing_error,
        "refresh_in_s": files.SIGNED_URL_REFRESH_S,
        "flags": list(QaFlag.objects.filter(file=recording)),
        "qa_check": getattr(recording, "qa_check", None),
        "interactions": interactions,
        "transcript": transcript,
        "segments": list(transcript.segments.all()) if transcript is not None else [],
        "recognition_enabled": review_recognition.recognition_enabled(),
        # An archived file: the restore box instead of the player.
        **restore_box_context(recording, restore_state),
    }


def _file_or_404(pk: int) -> RecordingFile:
    return get_object_or_404(
        RecordingFile.objects.select_related("room__client_app", "session", "qa_check", "transcript"), pk=pk
    )


def _panels(
    request: HttpRequest,
    pk: int,
    *,
    target: str,
    oob: Sequence[str] = (),
    feedback: Sequence[Feedback] = (),
    status: int = 200,
    **overrides: Any,
) -> HttpResponse:
    """An htmx answer: the `target` panel of the review page, and the `oob` panels swapped out of band; the
    player is never part of it, so playback goes on where it was."""
    context = {**_panel_context(request, _file_or_404(pk)), "feedback": list(feedback), **overrides}
    html = [render_to_string(f"{REVIEW_PAGE}#{target}", context, request)]
    html += [render_to_string(f"{REVIEW_PAGE}#{name}", {**context, "oob": True}, request) for name in oob]
    return HttpResponse("".join(html), status=status)


def _answer(
    request: HttpRequest,
    pk: int,
    outcome: Feedback,
    *,
    target: str,
    oob: Sequence[str],
    status: int | None = None,
    fallback_url: str = "",
    **overrides: Any,
) -> HttpResponse:
    """A plain form post gets the message and a redirect (as without JavaScript); htmx gets the panels, with the
    outcome in place. A refusal is a 409 (400 for malformed input) that review.js swaps in like a success."""
    level, text = outcome
    if not _htmx(request):
        if text:
            messages.add_message(request, messages.ERROR if level == "error" else messages.SUCCESS, text)
        return redirect(fallback_url or reverse("recordings:review_file", args=[pk]))
    status = status or (409 if level == "error" else 200)
    feedback = [outcome] if text else []
    return _panels(request, pk, target=target, oob=oob, feedback=feedback, status=status, **overrides)


@requires(Capability.VIEW_REVIEWS)
def review_file(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, REVIEW_PAGE, _review_context(request, _file_or_404(pk)))


@requires(Capability.REVIEW)
@require_POST
def review_claim(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        claim = review.review_claim(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        outcome = ("error", str(exc))
    else:
        outcome = (
            "success",
            gettext("Claimed until %(until)s.") % {"until": format_local(claim.expires_at, "H:i")},
        )
    return _answer(request, pk, outcome, target="claim", oob=("feedback",))


@requires(Capability.REVIEW)
@require_POST
def review_release(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review.review_release(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        outcome = ("error", str(exc))
    else:
        # Without JavaScript, releasing goes back to the queue as it always has (no message needed there).
        outcome = (
            "success",
            gettext("Released: another moderator may take the file now.") if _htmx(request) else "",
        )
    return _answer(
        request,
        pk,
        outcome,
        target="claim",
        oob=("feedback",),
        fallback_url=reverse("recordings:review_queue"),
    )


@requires(Capability.VIEW_REVIEWS)
@require_POST
def review_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    form = VerdictForm(request.POST, actor=user)
    if not form.is_valid():
        if _htmx(request):
            return _panels(request, pk, target="verdict", oob=("feedback",), status=400, verdict_form=form)
        context = _review_context(request, _file_or_404(pk))
        context["verdict_form"] = form
        return render(request, REVIEW_PAGE, context, status=400)
    data = form.cleaned_data
    verdict = review.VerdictInput(
        decision=data["decision"],
        reason_code=data["reason"].code if data["reason"] else "",
        comment=data["comment"],
        hide_from_outputs=data["hide_from_outputs"],
        escalate_to=data["escalate_to"].pk if data["escalate_to"] else None,
        expected_revision=data["revision"],
    )
    try:
        saved = review.review_verdict(file_pk=pk, verdict=verdict, actor=user)
    except review.ReviewError as exc:
        # Keep what the moderator entered, on the revision that is current now: the history next to it shows what
        # changed, so deciding again is a deliberate second step.
        current = review.current_verdict(_file_or_404(pk))
        kept = request.POST.copy()
        kept["revision"] = str(current.revision if current else 0)
        return _answer(
            request,
            pk,
            ("error", str(exc)),
            target="verdict",
            oob=("status", "claim", "history", "feedback"),
            verdict_form=VerdictForm(kept, actor=user),
        )
    # With htmx the undo offer in the message area says what was decided; a plain post gets a message.
    text = (
        ""
        if _htmx(request)
        else gettext("%(decision)s (revision %(revision)d).")
        % {"decision": saved.get_decision_display(), "revision": saved.revision}
    )
    return _answer(
        request, pk, ("success", text), target="verdict", oob=("status", "claim", "history", "feedback")
    )


@requires(Capability.VIEW_REVIEWS)
@require_POST
def review_undo(request: HttpRequest, pk: int) -> HttpResponse:
    form = UndoForm(request.POST)
    if not form.is_valid():
        return _answer(
            request,
            pk,
            ("error", gettext("Nothing to undo.")),
            status=400,
            target="verdict",
            oob=("status", "claim", "history", "feedback"),
        )
    try:
        restored = review.review_verdict_undo(
            file_pk=pk, revision=form.cleaned_data["revision"], actor=current_user(request)
        )
    except review.ReviewError as exc:
        outcome = ("error", str(exc))
    else:
        outcome = (
            "success",
            gettext("Undone: the file is pending again.")
            if restored is None
            else gettext("Undone: revision %(revision)d (%(decision)s) is current again.")
            % {"revision": restored.revision, "decision": restored.get_decision_display().lower()},
        )
    return _answer(request, pk, outcome, target="verdict", oob=("status", "claim", "history", "feedback"))


@requires(Capability.VIEW_REVIEWS)
@require_POST
def review_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            review.review_note_add(
                file_pk=pk,
                position_s=form.cleaned_data["position_s"],
                text=form.cleaned_data["text"],
                actor=current_user(request),
            )
        except review.ReviewError as exc:
            error, status = str(exc), 409
        else:
            error = ""
    else:
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    if not _htmx(request):
        if error:
            messages.error(request, error)
        return redirect("recordings:review_file", pk=pk)
    # A note renews the author's claim, so the claim's expiry changes too.
    return _panels(
        request, pk, target="notes", oob=("claim",), status=status if error else 200, note_error=error
    )


@requires(Capability.REVIEW)
@require_POST
def review_checks(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review.qa_checks_request(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The automatic checks are queued; reload in a minute."))
    return redirect("recordings:review_file", pk=pk)


@requires(Capability.REVIEW)
@require_POST
def review_recognize(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review_recognition.transcript_request(file_pk=pk, actor=current_user(request))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, gettext("Recognition started; the transcript appears here when MPS has finished.")
        )
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
