"""Writing ApiCall rows so that they survive a rollback of the caller's transaction.

Workflows call Tencent from inside `@transaction.atomic` services. If a later step fails, the transaction
rolls back — and a row written on the same connection would vanish with it, exactly when the log matters most
(e.g. a concurrency was applied at Tencent but the session row that knew about it is gone). So:

* Outside any transaction (autocommit) the row is written on the default connection: it commits at once.
* Inside a transaction, on PostgreSQL, the row is written on a separate, short-lived connection in autocommit
  mode: it is committed independently of the caller's transaction. ApiCall has no foreign keys, so that insert
  never waits on locks the caller holds. The connection is opened and closed per row; this only happens for
  calls made inside transactions and costs far less than the Tencent round trip it records.
* On SQLite (the demo database) a second connection would block on the caller's write lock, so the row is
  written in the caller's transaction (inside a savepoint) and is lost if that transaction rolls back.
* Inside a test-case transaction (pytest-django's `db`, Django's TestCase), which is always rolled back, rows
  stay on the default connection so tests remain isolated (a service's rolled-back savepoint takes its rows
  with it there); use `transactional_db` to observe the separate write.

A failure to write the log never fails the Tencent call itself: it is logged and the call's result returned.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.models.sql import InsertQuery
from django.db.utils import load_backend

from dashboard.observability import metrics
from tencent.models import ApiCall

logger = logging.getLogger(__name__)

AUTONOMOUS_ALIAS = "tencent_call_log"


def _in_rollbackable_transaction() -> bool:
    connection = connections["default"]
    if not connection.in_atomic_block or not connection.atomic_blocks:
        return False
    # Django marks the atomic blocks it opens around test cases. Under one, everything is rolled back at the end
    # of the test anyway, and a row committed on another connection would leak into the following tests.
    return not getattr(connection.atomic_blocks[0], "_from_testcase", False)


def _write_autonomously(call: ApiCall) -> None:
    settings_dict = dict(connections["default"].settings_dict)
    settings_dict["CONN_MAX_AGE"] = 0
    # A one-off connection: never a (new) connection pool of its own.
    settings_dict["OPTIONS"] = {k: v for k, v in settings_dict.get("OPTIONS", {}).items() if k != "pool"}
    backend = load_backend(settings_dict["ENGINE"])
    connection = backend.DatabaseWrapper(settings_dict, AUTONOMOUS_ALIAS)
    try:
        fields = [field for field in ApiCall._meta.local_concrete_fields if not field.primary_key]
        insert = InsertQuery(ApiCall)
        insert.insert_values(fields, [call])
        insert.get_compiler(connection=connection).execute_sql(returning_fields=None)
    finally:
        connection.close()


def _write_in_caller_transaction(call: ApiCall) -> None:
    with transaction.atomic():  # a savepoint: a failed insert must not poison the caller's transaction
        call.save(force_insert=True)


def record(**fields: Any) -> None:
    metrics.tencent_call(fields)
    call = ApiCall(**fields)
    try:
        if _in_rollbackable_transaction() and connections["default"].vendor != "sqlite":
            try:
                _write_autonomously(call)
                return
            except DatabaseError:
                logger.warning("Call log: separate connection failed, writing in the caller's transaction")
        _write_in_caller_transaction(call)
    except DatabaseError:
        logger.exception("Could not record the Tencent API call %s (%s)", call.action, call.outcome)
