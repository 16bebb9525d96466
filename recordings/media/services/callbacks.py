"""Ingesting CSS callbacks: verify, store each event once and answer; RQ jobs apply them, in order per stream.

Tencent retries a callback every minute for up to 12 minutes and may deliver events out of order, so:
- the request stores the raw event under a unique `dedupe_key` in one statement (CssCallbackEventQuerySet.store:
  INSERT … ON CONFLICT (dedupe_key) DO UPDATE counting the duplicate delivery) and answers; a concurrent
  duplicate waits on the unique index and counts itself, so an event is stored, and applied, exactly once;
- the event waits in the table (state pending, processed_at empty) until the apply job of its stream's lane
  (recordings/media/enqueue.py) takes the lane's waiting events in arrival order, each under a row lock, and
  applies them (callback_handlers.py); the database is the source of truth: with no worker or no Redis the
  events wait, and the periodic sweep asks for their lanes again;
- every derived row has its own natural key and the state changes only move forward (callback_handlers.py), so
  replaying an event or getting the same fact twice changes nothing twice.
The natural key per event type (see `dedupe_key`):
  1/0 → type + stream + sequence (CSS gives one sequence per push, shared by its start and end);
  100 → FileId (or record_file_id, else the file URL); 200 → the picture URL;
  321 → stream + sequence + data_time; anything else (332, unknown types) → the canonical payload minus t/sign.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from dashboard import audit
from dashboard.audit import Actor
from dashboard.jsonbody import BadJsonBody, loads_object
from recordings.media import enqueue
from recordings.media.services.callback_handlers import (
    HANDLERS,
    NOT_ONLINE,
    SUPERSEDED,
    Payload,
    batch_lookups,
    cos_key_from_url,
    event_time,
    event_type_of,
    stream_of,
)
from recordings.models import CallbackEventType, CallbackState, CssCallbackEvent
from tencent.signing import CALLBACK_CLOCK_SKEW_SECONDS, CALLBACK_VALIDITY_SECONDS

# Re-exported: the live board's reconciliation, the files' sync and the metrics read them from here.
__all__ = ["NOT_ONLINE", "SUPERSEDED", "cos_key_from_url", "event_time", "event_type_of"]

logger = logging.getLogger(__name__)

SIGNATURE_FIELDS = ("t", "sign")
# An apply job takes a lane's waiting events this many at a time, each batch in one transaction, and gives the
# worker back after DRAIN_SECONDS (queueing its lane's next job) so that other queues' jobs are not held up.
APPLY_BATCH = 100
DRAIN_SECONDS = 20.0
# The sweep asks again for the lanes with an event waiting longer than this (its job was lost, or never ran).
SWEEP_AFTER = timedelta(seconds=5)


class MalformedCallback(ValueError):
    """The body is not a JSON object."""


def parse_body(body: bytes) -> Payload:
    try:
        return loads_object(body)
    except BadJsonBody as exc:
        raise MalformedCallback(str(exc)) from exc


def canonical_json(payload: Payload) -> str:
    unsigned = {k: v for k, v in payload.items() if k not in SIGNATURE_FIELDS}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def natural_key(payload: Payload) -> str:
    event_type = event_type_of(payload)
    stream = stream_of(payload)
    if event_type in (CallbackEventType.PUSH_STARTED, CallbackEventType.PUSH_ENDED) and payload.get(
        "sequence"
    ):
        return f"{event_type}|{stream}|{payload['sequence']}"
    if event_type == CallbackEventType.RECORDING_FILE:
        file_key = payload.get("file_id") or payload.get("record_file_id") or payload.get("video_url")
        if file_key:
            return f"100|{file_key}"
    if event_type == CallbackEventType.SCREENSHOT:
        picture = payload.get("pic_full_url") or payload.get("pic_url")
        if picture:
            return f"200|{picture}"
    if event_type == CallbackEventType.PUSH_ANOMALY and payload.get("sequence"):
        return f"321|{stream}|{payload['sequence']}|{payload.get('data_time', '')}"
    return f"payload|{canonical_json(payload)}"


def dedupe_key(payload: Payload) -> str:
    return hashlib.sha256(natural_key(payload).encode()).hexdigest()


class SignatureReused(Exception):
    """A (t, sign) pair already accepted with another body, later than its siblings could arrive."""


# CSS signs every callback it sends in one second with the same t (send time + 600 s), so the first use of a
# pair is followed within seconds by its genuine siblings with other bodies; a retry is re-signed with a new t.
SIBLING_GRACE = timedelta(seconds=30)


def refuse_reused_signature(payload: Payload, *, now: datetime | None = None) -> None:
    """Raise SignatureReused when this (t, sign) pair was accepted with a different body over SIBLING_GRACE ago.

    CSS's sign covers only the key and t, not the body, so a captured pair could carry any forged body until t
    passes (10 minutes). Refused: a different body under a pair first used more than SIBLING_GRACE ago, which
    CSS itself never sends. The same body again is the documented retry (answered idempotently by the dedupe).
    The stored events are the record of seen pairs (the database, not Redis, which may be down). The refusal is
    not a 200, so a genuine sibling delayed past the grace is retried by CSS with a fresh t.
    """
    sign, t = payload.get("sign"), str(payload.get("t"))
    if not isinstance(sign, str):
        return  # verify_css_callback refuses it
    now = now or timezone.now()
    lifetime = timedelta(seconds=CALLBACK_VALIDITY_SECONDS + CALLBACK_CLOCK_SKEW_SECONDS)
    seen = CssCallbackEvent.objects.signed_with(sign[:64], since=now - lifetime, until=now - SIBLING_GRACE)
    for pk, stored in seen:  # nearly always none: the body is serialised only to compare with one
        if str(stored.get("t")) == t and canonical_json(stored) != canonical_json(payload):
            raise SignatureReused(f"t/sign already used by callback event #{pk} with a different body")


def css_callback_receive(*, payload: Payload, raw_body: str) -> tuple[int, bool]:
    """Store a verified callback (one statement) and ask for its lane's apply job. Returns (event pk, created);
    created is False for a duplicate delivery. Unknown event types are stored as they are: nothing applies them."""
    stream = stream_of(payload)[:128]
    known = event_type_of(payload) in HANDLERS
    event = CssCallbackEvent(
        event_type=event_type_of(payload),
        stream_name=stream,
        event_at=event_time(payload),
        dedupe_key=dedupe_key(payload),
        raw_body=raw_body,
        payload=payload,
        state=CallbackState.PENDING if known else CallbackState.UNKNOWN,
        processed_at=None if known else timezone.now(),
        lane=enqueue.lane_of(stream),
        sign=str(payload.get("sign") or "")[:64],
    )
    pk, created = CssCallbackEvent.objects.store(event)
    if known:  # a duplicate asks too: its first delivery's job may have been lost with Redis
        enqueue.apply_soon(event.lane)
    return pk, created


@transaction.atomic
def css_callback_replay(*, event_id: int, actor: Actor) -> CssCallbackEvent:
    """Apply a stored event again (after a fix, or for a failed one). Idempotent like the first time."""
    event = CssCallbackEvent.objects.select_for_update().get(pk=event_id)
    before = event.state
    _apply(event)
    event.save(update_fields=["state", "error", "processed_at"])
    audit.record(actor=actor, action="callback.replay", obj=event, changes={"state": [before, event.state]})
    return event


def callbacks_apply_lane(*, lane: int, seconds: float = DRAIN_SECONDS) -> tuple[int, bool]:
    """Apply `lane`'s waiting events in arrival order until none is left or `seconds` passed. Returns how many
    were applied and whether some are left.

    Each batch is one transaction that locks its rows in id order: a second job on the same lane (a lapsed lane
    lock) waits for them and then skips what was applied, so a stream's events are never applied out of order or
    twice. On SQLite every transaction takes the write lock at BEGIN, which serialises the same way."""
    applied, deadline = 0, time.monotonic() + seconds
    waiting = CssCallbackEvent.objects.waiting().filter(lane=lane).defer("raw_body").order_by("id")
    while time.monotonic() < deadline:
        with transaction.atomic():
            events = list(waiting.select_for_update()[:APPLY_BATCH])
            _apply_batch(events)
            _save_outcomes(events)
        applied += len(events)
        if len(events) < APPLY_BATCH:
            return applied, False
    return applied, True


def _apply_batch(events: list[CssCallbackEvent]) -> None:
    """Apply the events in order under one savepoint, not one each (two round trips an event, a third of an
    apply's statements). When one fails, the batch's changes are rolled back (with the on_commit enqueues they
    registered) and the events are applied again one savepoint each, in the same order, so that only the failing
    one is marked failed and its neighbours' effects are kept, exactly as applying them one by one would."""
    try:
        with transaction.atomic(), batch_lookups():
            for event in events:
                _run_handler(event)
    except Exception:  # which event failed, and why, is logged by the one-by-one pass
        with batch_lookups():  # nothing remembered from the rolled-back attempt
            for event in events:
                _apply(event)
        return
    now = timezone.now()
    for event in events:
        event.state = CallbackState.PROCESSED if _handler_of(event) else CallbackState.UNKNOWN
        event.error, event.processed_at = "", now


def _save_outcomes(events: list[CssCallbackEvent]) -> None:
    """One UPDATE per outcome (nearly always one: all processed), not one per event nor bulk_update's CASE."""
    outcomes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for event in events:
        outcomes[(event.state, event.error)].append(event.pk)
    now = timezone.now()
    for (state, error), pks in outcomes.items():
        CssCallbackEvent.objects.filter(pk__in=pks).update(state=state, error=error, processed_at=now)


def callbacks_waiting(*, lane: int) -> bool:
    return CssCallbackEvent.objects.waiting().filter(lane=lane).exists()


def callbacks_late_lanes(*, now: datetime) -> list[int]:
    """The lanes whose oldest waiting event was stored over SWEEP_AFTER ago. Nearly always none is late: one
    look in the waiting events' index answers that; only then is each lane looked at (one indexed look each)."""
    waiting = CssCallbackEvent.objects.waiting().order_by("id")
    if not waiting.filter(received_at__lt=now - SWEEP_AFTER).exists():
        return []
    return [
        lane
        for lane in range(enqueue.LANES)
        if waiting.filter(lane=lane, received_at__lt=now - SWEEP_AFTER).values("pk")[:1].exists()
    ]


def _handler_of(event: CssCallbackEvent) -> Callable[[CssCallbackEvent], None] | None:
    return HANDLERS.get(event.event_type) if event.event_type is not None else None


def _run_handler(event: CssCallbackEvent) -> None:
    handler = _handler_of(event)
    if handler is not None:
        handler(event)


def _apply(event: CssCallbackEvent) -> None:
    """Run the event's handler in a savepoint and set its state (the caller saves it)."""
    handler = _handler_of(event)
    if handler is None:
        event.state, event.error = CallbackState.UNKNOWN, ""
    else:
        try:
            with transaction.atomic():
                handler(event)
        except Exception as exc:  # the event stays stored for replay; Tencent retrying would not help
            logger.exception("CSS callback %s could not be applied", event.pk)
            event.state, event.error = CallbackState.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            event.state, event.error = CallbackState.PROCESSED, ""
    event.processed_at = timezone.now()
