"""Recording sessions: one per recording of a room, with its cloud handles, step progress and history.

The CAR UserId is the session's only handle in the cloud (write APIs return nothing else) and, because CAR
pushes to `<push domain>/live/<UserId>`, it is also the CSS stream name. It is derived from the room's stream
name and the session's primary key, so it is unique, stable across retries (a re-run ApplyConcurrent takes
over the same concurrency) and recognisable in the cloud during reconciliation.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dashboard.timezones import format_local, format_range
from recordings.catalog.models import Room
from recordings.sessions.lifecycle import (
    ACTIVE_STATES,
    OPEN_STATES,
    START_STEPS,
    STOP_STEPS,
    TERMINAL_STATES,
    SessionState,
    Step,
    Trigger,
    english,
)
from recordings.sessions.models.schedules import Schedule

# CAR UserIds are at most 64 characters; CSS stream names allow letters, digits, '-' and '_'.
USER_ID_MAX_LENGTH = 64
USER_ID_PATTERN = re.compile(r"^(?P<base>[A-Za-z0-9_-]+)-r(?P<pk>\d+)$")


STATE_BADGES: dict[SessionState, str] = {
    SessionState.SCHEDULED: "badge-info",
    SessionState.STARTING: "badge-warning",
    SessionState.RECORDING: "badge-live",
    SessionState.STOPPING: "badge-warning",
    SessionState.FINALIZING: "badge-warning",
    SessionState.COMPLETED: "badge-success",
    SessionState.FAILED: "badge-danger",
    SessionState.CANCELLED: "badge-muted",
}


def car_user_id_for(stream_name: str, session_pk: int) -> str:
    suffix = f"-r{session_pk}"
    return stream_name[: USER_ID_MAX_LENGTH - len(suffix)] + suffix


def session_pk_from_user_id(user_id: str) -> int | None:
    """The session a UserId / stream name belongs to, if it has our shape."""
    match = USER_ID_PATTERN.match(user_id)
    return int(match.group("pk")) if match else None


class RecordingSessionQuerySet(models.QuerySet["RecordingSession"]):
    def listing(self) -> RecordingSessionQuerySet:
        return self.select_related("room", "room__client_app", "started_by", "schedule").order_by(
            "-planned_start", "-id"
        )

    def open(self) -> RecordingSessionQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def active(self) -> RecordingSessionQuerySet:
        return self.filter(state__in=ACTIVE_STATES)

    def terminal(self) -> RecordingSessionQuerySet:
        return self.filter(state__in=TERMINAL_STATES)

    def for_stream(self, stream_name: str, at: datetime | None = None) -> RecordingSessionQuerySet:
        """Sessions pushing (or having pushed) to this CSS stream; with `at`, those whose window covers it."""
        sessions = self.filter(car_user_id=stream_name)
        if at is not None:
            sessions = sessions.filter(planned_start__lte=at + timedelta(minutes=5)).filter(
                Q(ended_at__isnull=True) | Q(ended_at__gte=at - timedelta(minutes=5))
            )
        return sessions

    def session_for_stream(self, stream_name: str, at: datetime) -> RecordingSession | None:
        """The session pushing to this stream around `at`. A session's CAR UserId is its stream name (unique, and
        shaped `<room stream>-r<session pk>`), so other stream names (an anchor's own room stream) need no query."""
        if session_pk_from_user_id(stream_name) is None:
            return None
        sessions = self.select_related("room").order_by("-planned_start", "-id")
        # The time window only narrows the choice; a push just outside it still belongs to its one session.
        return sessions.for_stream(stream_name, at=at).first() or sessions.for_stream(stream_name).first()

    def may_hold_cloud_resources(self) -> RecordingSessionQuerySet:
        """Sessions whose concurrency may still be held in CAR: asked for and never released."""
        return self.filter(concurrency_requested_at__isnull=False, cloud_released_at__isnull=True)

    def due(self, now: datetime) -> RecordingSessionQuerySet:
        """Open sessions the orchestrator should look at now (nobody holds their lease)."""
        return (
            self.open()
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        )

    def state_counts(self) -> dict[str, int]:
        rows = self.values("state").annotate(n=models.Count("id")).order_by()
        return {row["state"]: row["n"] for row in rows}


class RecordingSession(models.Model):
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="recording_sessions")
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=12, choices=SessionState.choices, default=SessionState.SCHEDULED)
    state_changed_at = models.DateTimeField()
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    car_project_id = models.CharField("CAR project id", max_length=36)
    car_user_id = models.CharField(
        "CAR UserId / CSS stream name", max_length=USER_ID_MAX_LENGTH, blank=True, db_index=True
    )

    # Start progress. `concurrency_requested_at` is written BEFORE ApplyConcurrent so that a worker dying
    # between the call and the write still leaves a trace that the UserId may hold a concurrency.
    concurrency_requested_at = models.DateTimeField(null=True, blank=True)
    concurrency_applied_at = models.DateTimeField(null=True, blank=True)
    cloud_session_created_at = models.DateTimeField(null=True, blank=True)
    record_task_created_at = models.DateTimeField(null=True, blank=True)
    push_started_at = models.DateTimeField(null=True, blank=True)
    stream_live_at = models.DateTimeField(null=True, blank=True)
    # Stop progress.
    stop_requested_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)
    record_stopped_at = models.DateTimeField(null=True, blank=True)
    push_stopped_at = models.DateTimeField(null=True, blank=True)
    cloud_released_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text=_("When the recording stopped."))
    finalize_deadline = models.DateTimeField(null=True, blank=True)
    files_found = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    # Health while recording.
    stream_lost_at = models.DateTimeField(null=True, blank=True)
    repairs = models.PositiveSmallIntegerField(default=0)

    # Driving: when to look again, retries of the current step, and the lease that keeps workers apart.
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    step_attempts = models.PositiveSmallIntegerField(default=0)
    waiting_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    failed_step = models.CharField(max_length=20, choices=Step.choices, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_start", "-id"]
        verbose_name = _("recording session")
        verbose_name_plural = _("recording sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gt=F("planned_start")),
                name="session_end_after_start",
                violation_error_message=_("A recording must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["car_user_id"],
                condition=~Q(car_user_id=""),
                name="session_unique_car_user_id",
                violation_error_message=_("Another recording already uses this CAR user id."),
            ),
            models.UniqueConstraint(
                fields=["room", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="session_unique_idempotency_key",
                violation_error_message=_("This room already has a recording with this idempotency key."),
            ),
            models.UniqueConstraint(
                fields=["schedule", "planned_start"],
                condition=Q(schedule__isnull=False),
                name="session_unique_schedule_occurrence",
                violation_error_message=_("This occurrence of the schedule already has a recording."),
            ),
            models.UniqueConstraint(
                fields=["room"],
                condition=Q(state__in=sorted(ACTIVE_STATES)),
                name="session_one_active_per_room",
                violation_error_message=_("This room is already being recorded: stop that recording first."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "planned_start"]),
            # The recordings list: newest first, a page is an index range scan at 100,000 sessions.
            models.Index(fields=["-planned_start", "-id"], name="session_start_idx"),
            # The cost report's month filter (billing.report_data): sessions planned, or run, within a month.
            models.Index(fields=["planned_end", "planned_start"], name="session_planned_end_idx"),
            models.Index(fields=["ended_at", "concurrency_applied_at"], name="session_ended_applied_idx"),
        ]

    def __str__(self) -> str:
        return f"Recording #{self.pk} of {self.room.name}"

    @property
    def stream_name(self) -> str:
        return self.car_user_id

    @property
    def state_badge(self) -> str:
        """The CSS badge class of the state."""
        return STATE_BADGES.get(SessionState(self.state), "badge-info")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def can_stop(self) -> bool:
        return self.state in {SessionState.SCHEDULED, SessionState.STARTING, SessionState.RECORDING}

    def step_done_at(self, step: Step) -> datetime | None:
        return {
            Step.CONCURRENCY: self.concurrency_applied_at,
            Step.CLOUD_SESSION: self.cloud_session_created_at,
            Step.RECORD_TASK: self.record_task_created_at,
            Step.PUSH: self.push_started_at,
            Step.LIVE: self.stream_live_at,
            Step.STOP_RECORD_TASK: self.record_stopped_at,
            Step.STOP_PUSH: self.push_stopped_at,
            Step.DESTROY_SESSION: self.cloud_released_at,
            Step.FILES: self.completed_at if self.files_found else None,
        }[step]

    def start_progress(self) -> list[dict[str, object]]:
        """The start sub-steps with their time, and which one runs now or failed."""
        return self._progress(START_STEPS, {SessionState.STARTING})

    def stop_progress(self) -> list[dict[str, object]]:
        """The stop sub-steps (and the files), once a stop began; empty before."""
        if self.stop_requested_at is None and self.ended_at is None:
            return []
        return self._progress(STOP_STEPS, {SessionState.STOPPING, SessionState.FINALIZING})

    def _progress(self, steps: tuple[Step, ...], running: set[SessionState]) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        current_found = False
        for step in steps:
            done = self.step_done_at(step)
            current = done is None and not current_found
            if current:
                current_found = True
            rows.append(
                {
                    "step": step,
                    "label": step.label,
                    "done_at": done,
                    "current": current and self.state in running,
                    "failed": self.failed_step == step,
                }
            )
        return rows


class RecordTask(models.Model):
    """One CSS record task of a session; recordings longer than 24 h chain several."""

    session = models.ForeignKey(RecordingSession, on_delete=models.CASCADE, related_name="record_tasks")
    task_id = models.CharField(max_length=200, unique=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("record task")
        verbose_name_plural = _("record tasks")
        ordering = ["start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="recordtask_end_after_start",
                violation_error_message=_("A record task must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} ({format_range(self.start_time, self.end_time)})"


class SessionTransition(models.Model):
    """The history of a session: one row per state change or notable step, with time and reason."""

    session = models.ForeignKey(RecordingSession, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=SessionState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=SessionState.choices)
    step = models.CharField(max_length=20, choices=Step.choices, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("session transition")
        verbose_name_plural = _("session transitions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.session_id} {self.from_state or '∅'} → {self.to_state} at {format_local(self.at, 'H:i:s')}"


class AttentionKind(models.TextChoices):
    LEAKED_SESSION = "leaked_session", _("Leaked cloud session destroyed")
    STUCK_STARTING = "stuck_starting", _("Stuck while starting")
    NO_LIVE_STREAM = "no_live_stream", _("Recording without a live stream")
    NO_FILE = "no_file", _("No recording file")
    RUNAWAY = "runaway", _("Hard maximum duration reached")
    ORPHAN_TASK = "orphan_task", _("Orphan record task stopped")
    COUNT_MISMATCH = "count_mismatch", _("CAR running count differs")
    START_FAILED = "start_failed", _("Start failed")


class AttentionQuerySet(models.QuerySet["Attention"]):
    def unresolved(self) -> AttentionQuerySet:
        return self.filter(resolved_at__isnull=True)

    def listing(self) -> AttentionQuerySet:
        return self.select_related("session", "session__room").order_by("-at", "-id")


class Attention(models.Model):
    """Something reconciliation found and did (or could not do): shown on the overview's attention list."""

    kind = models.CharField(max_length=20, choices=AttentionKind.choices)
    session = models.ForeignKey(
        RecordingSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="attention_items"
    )
    subject = models.CharField(max_length=100, blank=True, help_text=_("A UserId, stream or task id."))
    message = models.TextField()
    action_taken = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = AttentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("attention item")
        ordering = ["-at", "-id"]
        verbose_name_plural = _("attention items")

    def __str__(self) -> str:
        return f"{english(AttentionKind(self.kind).label)}: {self.subject or self.session_id}"
