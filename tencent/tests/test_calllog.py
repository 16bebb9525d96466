"""The call log outlives the caller's rolled-back transaction, and never breaks the call it records."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from tencent import car
from tencent.models import ApiCall
from tencent.tests.fake_tencent import FakeTencent, Reply


class WorkflowFailed(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_calls_made_in_a_rolled_back_transaction_stay_logged(fake: FakeTencent) -> None:
    fake.answer("ApplyConcurrent", Reply())
    fake.answer("CreateSession", Reply(error=("FailedOperation.LockTimeout", "not applied")))

    with pytest.raises(WorkflowFailed), transaction.atomic():
        car.apply_concurrent(user_id="u1", user_ip="10.0.0.1", project_id="cap-1")
        assert ApiCall.objects.filter(action="ApplyConcurrent").exists()  # visible inside the transaction too
        try:
            car.create_session(user_id="u1", user_ip="10.0.0.1")
        except Exception as exc:
            raise WorkflowFailed from exc

    logged = list(ApiCall.objects.order_by("id").values_list("action", "outcome"))
    assert logged == [("ApplyConcurrent", "ok"), ("CreateSession", "error")]


@pytest.mark.django_db(transaction=True)
def test_calls_outside_transactions_are_written_at_once(fake: FakeTencent) -> None:
    fake.answer("DestroySession", Reply())
    car.destroy_session(user_id="u1")
    assert ApiCall.objects.get().action == "DestroySession"


@pytest.mark.django_db
def test_a_broken_call_log_does_not_break_the_call(
    fake: FakeTencent, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.answer("DestroySession", Reply())

    def fail(*args: object, **kwargs: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(ApiCall, "save", fail)

    with transaction.atomic():
        assert car.destroy_session(user_id="u1").request_id
        assert ApiCall.objects.count() == 0  # and the caller's transaction is still usable
