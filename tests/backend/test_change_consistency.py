"""A parcel never carries two delivery destinations at once: the later change replaces the earlier one.

A home delivery slot (reschedule) and a pickup-point redirect contradict each other, so whichever the
shopper confirmed last wins; the replacement is part of the same change (one transaction, one audit entry,
one idempotency key), so a retry or a rollback never leaves half of it behind.
"""

from __future__ import annotations

from backend_testkit import NOW, option, options
from sqlalchemy import func, select

from backend import models as m
from backend.changes import apply_change
from backend.reference import ReferenceBackend
from backend.types import ActionKind, ChangeContext, DeliveryAction, ResultStatus

CTX = ChangeContext(actor="+447700900123", channel="sms", verified_by="otp_sms")


def _pickup(row, merchant, index: int = 0) -> DeliveryAction:  # noqa: ANN001
    point = option(row, merchant, ActionKind.PICKUP_POINT).pickup_points[index]
    return DeliveryAction(ActionKind.PICKUP_POINT, {"pickup_point_id": point.id})


def _slot(row, merchant, index: int = 1) -> tuple[DeliveryAction, object]:  # noqa: ANN001
    window = option(row, merchant, ActionKind.RESCHEDULE).windows[index]
    params = {"window": {"start": window.start.isoformat(), "end": window.end.isoformat()}}
    return DeliveryAction(ActionKind.RESCHEDULE, params), window


def _apply(session, merchant, row, action, key):  # noqa: ANN001, ANN202
    backend = ReferenceBackend(session, merchant, now=NOW)
    return apply_change(session, backend, merchant, row.tracking_number, action, idempotency_key=key,
                        context=CTX, now=NOW)


def _count(session, model, **where) -> int:  # noqa: ANN001, ANN003
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.scalar(stmt)


def test_a_home_slot_after_a_pickup_point_replaces_the_pickup_point(session, merchant, make_row):
    row = make_row()
    assert _apply(session, merchant, row, _pickup(row, merchant), "pick").accepted
    action, window = _slot(row, merchant)
    result = _apply(session, merchant, row, action, "slot")
    assert result.accepted
    assert "pickup_point" not in row.instructions
    assert row.instructions["reschedule"] == {"start": window.start.isoformat(), "end": window.end.isoformat()}
    assert (row.eta_start, row.eta_end) == (window.start, window.end)
    assert row.instructions["last_reference"] == result.reference
    assert row.changes_count == 2


def test_a_pickup_point_after_a_home_slot_replaces_the_slot_and_keeps_the_day(session, merchant, make_row):
    row = make_row()
    action, window = _slot(row, merchant)
    assert _apply(session, merchant, row, action, "slot").accepted
    assert _apply(session, merchant, row, _pickup(row, merchant), "pick").accepted
    assert row.instructions["pickup_point"]["id"] == "PP-M-001"
    assert "reschedule" not in row.instructions
    assert (row.eta_start, row.eta_end) == (window.start, window.end)  # it reaches the point on that run


def test_each_change_is_audited_once_even_when_retried(session, merchant, make_row):
    row = make_row()
    pick, (slot, _) = _pickup(row, merchant), _slot(row, merchant)
    first = [_apply(session, merchant, row, pick, "pick"), _apply(session, merchant, row, slot, "slot")]
    again = [_apply(session, merchant, row, pick, "pick"), _apply(session, merchant, row, slot, "slot")]
    assert again == first and row.changes_count == 2
    assert "pickup_point" not in row.instructions  # the retried pickup did not come back
    for action in ("deliver_to_pickup_point", "reschedule_delivery"):
        assert _count(session, m.DeliveryChange, action=action, status="accepted") == 1
        assert _count(session, m.AuditEntry, action=action, result="accepted") == 1


def test_an_old_retry_never_undoes_a_later_change(session, merchant, make_row):
    """A webhook retried after the shopper moved on gets its stored answer and changes nothing."""
    row = make_row()
    slot, _ = _slot(row, merchant)
    assert _apply(session, merchant, row, slot, "slot").accepted
    assert _apply(session, merchant, row, _pickup(row, merchant), "pick").accepted
    retried = _apply(session, merchant, row, slot, "slot")
    assert retried.status is ResultStatus.ACCEPTED
    assert row.instructions["pickup_point"]["id"] == "PP-M-001" and "reschedule" not in row.instructions
    assert row.changes_count == 2


def test_a_rolled_back_reschedule_leaves_the_pickup_point_and_no_record(session, merchant, make_row):
    row = make_row()
    assert _apply(session, merchant, row, _pickup(row, merchant), "pick").accepted
    session.commit()
    slot, _ = _slot(row, merchant)
    assert _apply(session, merchant, row, slot, "slot").accepted
    session.rollback()  # e.g. the turn failed after the change: nothing of it may survive
    session.refresh(row)
    assert row.instructions["pickup_point"]["id"] == "PP-M-001" and "reschedule" not in row.instructions
    assert _count(session, m.DeliveryChange, action="reschedule_delivery") == 0
    assert _count(session, m.AuditEntry, action="reschedule_delivery") == 0
    assert row.changes_count == 1


def test_a_rejected_slot_leaves_the_pickup_point_alone(session, merchant, make_row):
    row = make_row()
    assert _apply(session, merchant, row, _pickup(row, merchant), "pick").accepted
    bogus = DeliveryAction(ActionKind.RESCHEDULE, {"window": {"start": "2026-11-23T02:00:00+00:00",
                                                              "end": "2026-11-23T03:00:00+00:00"}})
    assert _apply(session, merchant, row, bogus, "bad").status is ResultStatus.REJECTED
    assert row.instructions["pickup_point"]["id"] == "PP-M-001"


def test_a_paid_slot_replaced_by_a_pickup_point_is_no_longer_charged(session, merchant, make_row):
    row = make_row()
    evening = [o for o in options(row, merchant) if o.kind is ActionKind.RESCHEDULE][1].windows[0]
    params = {"window": {"start": evening.start.isoformat(), "end": evening.end.isoformat()}}
    booked = _apply(session, merchant, row, DeliveryAction(ActionKind.RESCHEDULE, params, True), "evening")
    assert booked.accepted
    [charge] = row.instructions["charges"]
    assert charge["amount"] == "3.50" and "voided_by" not in charge
    picked = _apply(session, merchant, row, _pickup(row, merchant), "pick")
    [charge] = row.instructions["charges"]
    assert charge["voided_by"] == picked.reference  # kept for the record, not owed
    again = _apply(session, merchant, row, DeliveryAction(ActionKind.RESCHEDULE, params, True), "evening-again")
    live = [c for c in row.instructions["charges"] if "voided_by" not in c]
    assert [c["reference"] for c in live] == [again.reference]
