"""Found by review: a return the carrier answers with status "rejected" (a 200/201 ReturnInfo, as the carrier contract's
ReturnInfo.status allows) is recorded and audited as ACCEPTED.

backend/changes.py create_return builds `ActionResult(ResultStatus.ACCEPTED, ...)` for any ReturnInfo the carrier
returns, whatever its status; bot/services/changes.py announces it ACCEPTED too. The shopper is told the return
was refused (dialogues/journeys/start_return.py: utter_return_rejected), while the merchant's delivery_changes,
audit log and live console say it was accepted. The retry path (backend/retry.py _replay) reads the same answer
as "rejected": the record depended on which path met the answer. Now both read it with
backend.changes.return_result."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from backend.changes import create_return
from backend.db import transaction
from backend.types import ActionKind, ChangeContext, ReturnInfo, ReturnRequest
from tests.faults.kit import acme_runtime

CTX = ChangeContext(actor="+447700900111", channel="sms", verified_by="sender_number")


class RefusesReturns:
    """A carrier whose answer to the return is a ReturnInfo saying "rejected"."""

    name = "http"
    is_remote = True

    def create_return(self, tracking_number, request, *, idempotency_key, context):  # noqa: ANN001, ANN201
        return ReturnInfo(reference="RT-NO-1", status="rejected")


def test_a_return_the_carrier_rejects_is_not_recorded_or_audited_as_accepted(env, interpreter):  # noqa: ANN001
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    try:
        with transaction(rt.sessions) as s:
            merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "acme"))
            info = create_return(s, RefusesReturns(), merchant, "AC100000001GB",
                                 ReturnRequest(items=("SKU-1",), reason="too small"), idempotency_key="rtn-1",
                                 context=CTX)
        assert info.status == "rejected"  # what the shopper is told: utter_return_rejected
        with rt.sessions() as s:
            change = s.scalar(select(m.DeliveryChange).where(m.DeliveryChange.idempotency_key == "rtn-1"))
            audit = s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "start_return"))
        assert (change.status, audit.result) == ("rejected", "rejected")
    finally:
        rt.close()
