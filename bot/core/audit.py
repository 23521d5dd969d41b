"""The audit trail: one writer, so every entry has the same shape whoever writes it.

An entry says who (a phone number, "agent:<id>", "api:<key prefix>", "system:<job>"), did what to which
subject (a tracking number, usually), on which channel, proven how, with what result. The delivery-change
records of backend/changes.py write theirs in the same table (they sit below the core).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend import models as m
from backend.db import add_row


def record(session: Session, *, at: datetime, merchant_id: int | None, actor: str, action: str, result: str,
           subject: str | None = None, channel: str | None = None, verification: str | None = None,
           reference: str | None = None, **detail: Any) -> int:
    """Write one entry now, in the caller's transaction (it goes or stays with the change it records); its id."""
    row_id = add_row(session, m.AuditEntry, {
        "at": at, "merchant_id": merchant_id, "actor": actor[:200], "action": action[:64],
        "subject": subject[:64] if subject else subject, "channel": channel, "verification": verification,
        "result": result[:32], "reference": reference, "detail": detail,
    })
    assert row_id is not None
    return row_id
