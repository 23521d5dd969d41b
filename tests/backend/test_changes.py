"""Exactly-once changes with their record and audit entry; kept requests retried when the carrier is back."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from backend_testkit import NOW, REFERENCE, StubBackend
from sqlalchemy import func, select

from backend import models as m
from backend.changes import apply_change, cancel_order, create_return
from backend.pending import FAILED, MAX_ATTEMPTS
from backend.reasons import because, from_stored
from backend.reference import ReferenceBackend
from backend.retry import retry_pending
from backend.types import ActionKind, ChangeContext, DeliveryAction, ResultStatus, ReturnRequest

CTX = ChangeContext(actor="+447700900123", channel="sms", verified_by="otp_sms")
NOTE = DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "Please knock loudly"})


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_same_apply_twice_changes_the_shipment_once(session, merchant, make_row):
    row = make_row()
    backend = ReferenceBackend(session, merchant, now=NOW)
    first = apply_change(session, backend, merchant, row.tracking_number, NOTE, idempotency_key="k-1", context=CTX)
    again = apply_change(session, backend, merchant, row.tracking_number, NOTE, idempotency_key="k-1", context=CTX)
    assert first.accepted and REFERENCE.match(first.reference)
    assert again == first
    assert row.changes_count == 1
    assert count(session, m.DeliveryChange) == 1 and count(session, m.AuditEntry) == 1


def test_the_change_and_its_audit_entry_say_who_what_when_and_how(session, merchant, make_row):
    row = make_row()
    backend = ReferenceBackend(session, merchant, now=NOW)
    result = apply_change(session, backend, merchant, row.tracking_number, NOTE, idempotency_key="k-2", context=CTX,
                          now=NOW)
    change = session.scalar(select(m.DeliveryChange))
    audit = session.scalar(select(m.AuditEntry))
    assert (change.action, change.params, change.status, change.reference) == (
        "add_delivery_note", {"note": "Please knock loudly"}, "accepted", result.reference,
    )
    assert (change.channel, change.verified_by, change.created_at) == ("sms", "otp_sms", NOW)
    assert (audit.actor, audit.action, audit.subject, audit.channel, audit.verification) == (
        "+447700900123", "add_delivery_note", row.tracking_number, "sms", "otp_sms",
    )
    assert (audit.result, audit.reference, audit.at) == ("accepted", result.reference, NOW)
    assert audit.detail["backend"] == "reference" and audit.detail["idempotency_key"] == "k-2"


def test_a_new_key_is_a_new_attempt(session, merchant, make_row):
    row = make_row()
    backend = ReferenceBackend(session, merchant, now=NOW)
    for key in ("a", "b"):
        assert apply_change(session, backend, merchant, row.tracking_number, NOTE, idempotency_key=key,
                            context=CTX).accepted
    assert row.changes_count == 2


def test_a_rejection_is_recorded_and_given_again(session, merchant, make_row):
    row = make_row(status="delivered")
    backend = ReferenceBackend(session, merchant, now=NOW)
    first = apply_change(session, backend, merchant, row.tracking_number, NOTE, idempotency_key="r", context=CTX)
    row.status = "in_transit"  # even if things change, the same attempt keeps its answer
    again = apply_change(session, backend, merchant, row.tracking_number, NOTE, idempotency_key="r", context=CTX)
    assert first.status is ResultStatus.REJECTED and again == first
    assert session.scalar(select(m.AuditEntry.result)) == "rejected"


def test_reference_backend_honours_idempotency_keys_itself(session, merchant, make_row):
    row = make_row()
    backend = ReferenceBackend(session, merchant, now=NOW)
    first = backend.apply_action(row.tracking_number, NOTE, idempotency_key="direct", context=CTX)
    again = backend.apply_action(row.tracking_number, NOTE, idempotency_key="direct", context=CTX)
    assert first == again and row.changes_count == 1
    assert "_applied" not in backend.get_shipment(row.tracking_number).instructions


def test_cancel_order_once(session, merchant, make_row):
    a = make_row(status="label_created", order_number="555")
    b = make_row(status="label_created", order_number="555")
    backend = ReferenceBackend(session, merchant, now=NOW)
    first = cancel_order(session, backend, merchant, "#555", idempotency_key="c", context=CTX)
    again = cancel_order(session, backend, merchant, "555", idempotency_key="c", context=CTX)
    assert first.accepted and first.reference.startswith("CXL-") and again == first
    assert a.status == b.status == "returned_to_sender"
    assert count(session, m.DeliveryChange) == 1


def test_cancel_refused_once_a_parcel_of_the_order_has_left(session, merchant, make_row):
    make_row(status="label_created", order_number="777")
    make_row(status="in_transit", order_number="777")
    result = ReferenceBackend(session, merchant, now=NOW).cancel_order("777", idempotency_key="x", context=CTX)
    assert result.status is ResultStatus.REJECTED and result.reason_code == because("left_warehouse_return_later")


def test_create_return_once(session, merchant, make_row):
    row = make_row(status="delivered")
    backend = ReferenceBackend(session, merchant, now=NOW)
    request = ReturnRequest(items=("TR-42",), reason="too small")
    first = create_return(session, backend, merchant, row.tracking_number, request, idempotency_key="ret",
                          context=CTX)
    again = create_return(session, backend, merchant, row.tracking_number, request, idempotency_key="ret",
                          context=CTX)
    assert first.reference.startswith("RTN-") and again == first
    assert count(session, m.DeliveryChange) == 1


def test_carrier_down_gives_pending_and_keeps_the_request(session, merchant, make_row):
    backend = StubBackend(down=True)
    result = apply_change(session, backend, merchant, "PB1GB", NOTE, idempotency_key="p-1", context=CTX, now=NOW)
    assert result.status is ResultStatus.PENDING and result.reason_code == because("carrier_not_answering_kept")
    kept = session.scalar(select(m.PendingRequest))
    assert (kept.kind, kept.idempotency_key, kept.status) == ("apply_action", "p-1", "pending")
    assert kept.payload["action"] == {"kind": "add_delivery_note", "params": {"note": "Please knock loudly"},
                                      "fee_accepted": False}
    assert session.scalar(select(m.DeliveryChange.status)) == "pending"
    # Asking again with the same key does not call the carrier again.
    apply_change(session, backend, merchant, "PB1GB", NOTE, idempotency_key="p-1", context=CTX, now=NOW)
    assert len(backend.calls) == 1


def test_retry_pending_sends_it_once_the_carrier_is_back(session, merchant):
    down = StubBackend(down=True)
    apply_change(session, down, merchant, "PB1GB", NOTE, idempotency_key="p-2", context=CTX, now=NOW)
    up = StubBackend()
    assert retry_pending(session, lambda _m: up, NOW) == 0  # not due yet: first retry after a minute
    assert up.calls == []
    assert retry_pending(session, lambda _m: up, NOW + timedelta(minutes=1)) == 1
    assert up.calls == [("apply", "p-2")]
    change = session.scalar(select(m.DeliveryChange))
    assert (change.status, change.reference) == ("accepted", "ST-1")
    assert session.scalar(select(m.PendingRequest.status)) == "done"
    assert session.scalar(select(m.AuditEntry.action).where(m.AuditEntry.action.like("%:retry"))) == (
        "add_delivery_note:retry"
    )


def test_retry_pending_backs_off_and_finally_gives_up(session, merchant):
    down = StubBackend(down=True)
    cancel_order(session, down, merchant, "900", idempotency_key="p-3", context=CTX, now=NOW)
    req = session.scalar(select(m.PendingRequest))
    at = NOW
    gaps = []
    for _ in range(MAX_ATTEMPTS):
        at = req.next_attempt_at
        assert retry_pending(session, lambda _m: down, at) == 0
        gaps.append(req.next_attempt_at - at)
    assert gaps[:3] == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert req.status == FAILED and req.attempts == MAX_ATTEMPTS
    change = session.scalar(select(m.DeliveryChange))
    assert change.status == "rejected" and from_stored(change.reason) == (because("gave_up"), None)


@pytest.mark.skipif(
    not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
    reason="SQLite serialises writers (BEGIN IMMEDIATE), so another worker cannot record in between there",
)
def test_a_concurrent_worker_that_recorded_first_wins(session, merchant, engine):
    from backend.db import make_session_factory

    factory = make_session_factory(engine)
    session.commit()  # the merchant must be visible to the other worker

    def other_worker_records_first(key: str) -> None:
        with factory() as other, other.begin():
            other.add(m.DeliveryChange(merchant_id=merchant.id, tracking_number="PB1GB", action="add_delivery_note",
                                       idempotency_key=key, status="accepted", reference="OTHER-1"))

    backend = StubBackend(on_apply=other_worker_records_first)
    result = apply_change(session, backend, merchant, "PB1GB", NOTE, idempotency_key="race", context=CTX)
    assert result.reference == "OTHER-1"
    assert count(session, m.DeliveryChange) == 1 and count(session, m.AuditEntry) == 0


def test_params_given_as_domain_objects_are_stored_as_json(session, merchant, make_row):
    from backend_testkit import option

    row = make_row()
    window = option(row, merchant, ActionKind.RESCHEDULE).windows[0]
    action = DeliveryAction(ActionKind.RESCHEDULE, {"window": window})
    backend = ReferenceBackend(session, merchant, now=NOW)
    assert apply_change(session, backend, merchant, row.tracking_number, action, idempotency_key="w",
                        context=CTX).accepted
    session.commit()
    session.expire_all()
    stored = session.scalar(select(m.DeliveryChange.params))
    assert stored == {"window": {"start": window.start.isoformat(), "end": window.end.isoformat()}}
