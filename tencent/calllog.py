"""Writing ApiCall rows so that they survive a rollback of the caller's transaction.

Workflows call Tencent from inside `@transaction.atomic` services. If a later step fails, the transaction
rolls back — and a row written on the same connection would vanish with it, exactly when the log matters most
(e.g. a concurrency was applied at Tencent but the session row that knew about it is gone). So:

* Outside any transaction (autocommit) the row is written on the default connection: it commits at once.
* Inside a transaction the row is written through the database alias `settings.CALL_LOG_DATABASE` ("calllog":
  the same database, in autocommit mode; see dashboard/settings.py), so it is committed independently of the
  caller's transaction. ApiCall has no foreign keys, so that insert never waits on locks the caller holds.
* Where that setting names the default alias — SQLite (the demo), whose single writer lock the caller holds, and
  tests that do not allow the second alias — the row is written in the caller's transaction (inside a
  savepoint) and is lost if that transaction rolls back.

A failure to write the log never fails the Tencent call itself: it is logged and the call's result returned.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction

from dashboard.observability import metrics
from tencent.models import ApiCall

logger = logging.getLogger(__name__)


def _write_on_own_connection(call: ApiCall, alias: str) -> bool:
    """Insert `call` through `alias`, committed at once; False if that connection failed."""
    try:
        call.save(using=alias, force_insert=True)
    except DatabaseError:
        logger.warning("Call log: the %r connection failed, writing in the caller's transaction", alias)
        return False
    return True


def _write_in_caller_transaction(call: ApiCall) -> None:
    # A savepoint: a failed insert must not poison the caller's transaction.
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        call.save(using=DEFAULT_DB_ALIAS, force_insert=True)


def record(**fields: Any) -> None:
    metrics.tencent_call(fields)
    call = ApiCall(**fields)
    alias = settings.CALL_LOG_DATABASE
    try:
        in_transaction = not transaction.get_autocommit(using=DEFAULT_DB_ALIAS)
        if in_transaction and alias != DEFAULT_DB_ALIAS and _write_on_own_connection(call, alias):
            return
        _write_in_caller_transaction(call)
    except DatabaseError:
        logger.exception("Could not record the Tencent API call %s (%s)", call.action, call.outcome)
