"""POST /api/v1/changes/<idempotency_key>/outcome: a carrier reports what became of a change it took as "pending".

A carrier may answer a change with HTTP 202, "pending": it has the change and works on it. The shopper was told
"I've sent your request to the carrier but they haven't confirmed it yet... I'll text you as soon as they do",
and by the carrier contract the same key asked again only says "pending" again: nothing would ever keep that
promise (docs/faults.md). So the carrier, or the merchant's system in front of it, reports the outcome here, by
the Idempotency-Key it was sent: the change record is settled and audited in one transaction, and the shopper is
texted the outcome (the retry job's words, bot/services/outcome_texts.tell_outcome), at most once. A second
report of the same outcome is a 200 with "duplicate": true; a report that contradicts a settled change is a 409.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g
from sqlalchemy import select

from backend import models as m
from backend.changes import settle_reported
from backend.pending import PENDING
from bot.services.ingest_schema import Invalid
from bot.services.outcome_texts import tell_outcome
from bot.web.api.routes import _error, _json, _json_body, _now, _runtime, _storable, bp, merchant_id

OUTCOMES = ("accepted", "rejected")
MAX_KEY, MAX_REFERENCE, MAX_REASON = 128, 64, 500


def _parse(data: Any) -> dict[str, Any]:
    """{"status": "accepted" | "rejected", "reference"?: str, "reason"?: str}, or Invalid naming each problem."""
    if not isinstance(data, dict):
        raise Invalid({"body": "send a JSON object"})
    errors = {k: "unknown field" for k in data if k not in ("status", "reference", "reason")}
    status, reference, reason = data.get("status"), data.get("reference"), data.get("reason")
    if status not in OUTCOMES:
        errors["status"] = "must be 'accepted' or 'rejected'"
    if reference is not None and (not isinstance(reference, str) or len(reference) > MAX_REFERENCE):
        errors["reference"] = f"a string of at most {MAX_REFERENCE} characters"
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        errors["reason"] = f"a string of at most {MAX_REASON} characters"
    if errors:
        raise Invalid(errors)
    return {"status": status, "reference": (reference or "").strip() or None, "reason": (reason or "").strip() or None}


def _change_json(change: m.DeliveryChange) -> dict[str, Any]:
    return {"idempotency_key": change.idempotency_key, "tracking_number": change.tracking_number,
            "action": change.action, "status": change.status, "reference": change.reference}


@bp.post("/changes/<idempotency_key>/outcome")
def post_change_outcome(idempotency_key: str) -> Response:
    key = idempotency_key
    data = _json_body()
    if not _storable(key) or len(key) > MAX_KEY:
        return _error(404, "no change with that idempotency key for this merchant")
    outcome = _parse(data)
    rt = _runtime()
    with rt.uow() as uow:
        session = uow.session
        change = session.scalar(select(m.DeliveryChange).where(
            m.DeliveryChange.merchant_id == merchant_id(), m.DeliveryChange.idempotency_key == key,
        ).with_for_update())  # two reports at once: one settles, the other sees it settled
        if change is None:
            return _error(404, "no change with that idempotency key for this merchant")
        if change.status != "pending":
            if change.status == outcome["status"] and outcome["reference"] in (None, change.reference):
                return _json({"duplicate": True, "shopper_told": False, "change": _change_json(change)})
            raise Invalid({"status": f"this change is already settled as {change.status!r}"}, status=409)
        req = session.scalar(select(m.PendingRequest).where(
            m.PendingRequest.merchant_id == change.merchant_id, m.PendingRequest.idempotency_key == key))
        if req is not None and req.status == PENDING:
            # Pending because WE keep it (the carrier was down): it never reached the carrier, so nothing there
            # can have an outcome yet; retry_pending sends it and tells the shopper (code review 6: settling it
            # here left the write open, and the shopper was texted twice)
            raise Invalid({"status": "this change has not reached the carrier yet: it is still being retried"},
                          status=409)
        settle_reported(session, change, outcome, _now(), actor=f"api:{g.api_key.prefix}")
        told = req is not None and tell_outcome(rt.wording, uow, req, outcome, dedupe_key=f"outcome:{key}")
        body = {"duplicate": False, "shopper_told": told, "change": _change_json(change)}
    return _json(body)
