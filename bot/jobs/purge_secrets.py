"""Purging sealed access codes once nobody needs them: a code that outlives its delivery is only a liability."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select, tuple_
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import transaction
from bot.core import audit
from bot.core.secrets_box import SECRET_FIELD
from bot.jobs.registry import JobContext, job

log = logging.getLogger(__name__)
PURGED_FLAG = "access_code_purged"


# Once a parcel is in one of these states nobody needs its access code any more.
FINISHED_STATUSES = ("delivered", "returned_to_sender")


def _without_secret(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of data without the sealed code (in "params" too, as audit details nest it), or None if none."""
    if not isinstance(data, dict):
        return None
    out, changed = dict(data), False
    if SECRET_FIELD in out:
        out.pop(SECRET_FIELD)
        out[PURGED_FLAG] = True
        changed = True
    for nested in ("params", "action"):  # audit details nest params; a kept carrier write, action.params
        inner = _without_secret(out.get(nested))
        if inner is not None:
            out[nested], changed = inner, True
    return out if changed else None


def _finished_now(session: Session) -> set[tuple[int, str]]:
    return {(mid, t) for mid, t in session.execute(
        select(m.Shipment.merchant_id, m.Shipment.tracking_number).where(m.Shipment.status.in_(FINISHED_STATUSES)))}


def _mentions_secret(column: Any) -> Any:
    # Portable "this JSON holds the field" pre-filter (SQLite and PostgreSQL); the Python check decides.
    return cast(column, String).like(f"%{SECRET_FIELD}%")


def purge_delivered_secrets(session: Session, now: datetime) -> int:
    """Remove the sealed access codes of parcels that are delivered (or going back) from the shipment's
    instructions, its delivery changes, its audit trail and any carrier write kept for a retry. Returns how
    many parcels had one.

    What is left is a flag ("access_code_purged"), so the trail still shows that a code was given. A parcel is
    its merchant's tracking number: another merchant's parcel with the same number, still on its way, keeps
    its code (migration 0005).
    """
    finished = select(m.Shipment.merchant_id, m.Shipment.tracking_number).where(
        m.Shipment.status.in_(FINISHED_STATUSES))
    touched: set[tuple[int | None, str]] = set()
    for row in session.scalars(
        select(m.Shipment).where(m.Shipment.status.in_(FINISHED_STATUSES), _mentions_secret(m.Shipment.instructions))
    ):
        cleaned = _without_secret(row.instructions)
        if cleaned is not None:
            cleaned["access_code_purged_at"] = now.isoformat()
            row.instructions = cleaned  # reassigned so SQLAlchemy sees the JSON change
            touched.add((row.merchant_id, row.tracking_number))
    for change in session.scalars(
        select(m.DeliveryChange).where(
            tuple_(m.DeliveryChange.merchant_id, m.DeliveryChange.tracking_number).in_(finished),
            _mentions_secret(m.DeliveryChange.params),
        )
    ):
        cleaned = _without_secret(change.params)
        if cleaned is not None:
            change.params = cleaned
            touched.add((change.merchant_id, change.tracking_number))
    for entry in session.scalars(
        select(m.AuditEntry).where(tuple_(m.AuditEntry.merchant_id, m.AuditEntry.subject).in_(finished),
                                   _mentions_secret(m.AuditEntry.detail))
    ):
        cleaned = _without_secret(entry.detail)
        if cleaned is not None and entry.subject:
            entry.detail = cleaned
            touched.add((entry.merchant_id, entry.subject))
    kept_writes = session.scalars(select(m.PendingRequest).where(_mentions_secret(m.PendingRequest.payload))).all()
    done = _finished_now(session) if kept_writes else set()
    for kept in kept_writes:
        tracking = (kept.payload or {}).get("tracking_number")
        cleaned = _without_secret(kept.payload) if (kept.merchant_id, tracking) in done else None
        if cleaned is not None:
            kept.payload = cleaned
            touched.add((kept.merchant_id, tracking))
    for merchant_id, tracking in sorted(touched, key=lambda t: (t[0] or 0, t[1])):
        audit.record(session, at=now, merchant_id=merchant_id, actor="system:secrets", action="access_code_purge",
                     subject=tracking, result="purged")
    session.flush()
    if touched:
        log.info("purged the access codes of %d finished parcels", len(touched))
    return len(touched)


@job("purge_delivered_secrets")
def purge_delivered_secrets_job(ctx: JobContext, **_: Any) -> int:
    """The periodic job (bot/jobs/schedule.py runs it hourly)."""
    with transaction(ctx.sessions) as session:
        return purge_delivered_secrets(session, ctx.clock())
