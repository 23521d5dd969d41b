"""A parcel read for a write is locked and read afresh, even if the same session read it before the lock.

The API's status and event routes read the parcel (to find the recipient's conversation and lock it first, the
order a shopper's turn takes the two locks in), then lock the parcel. SQLAlchemy's identity map keeps an object
it already holds: without `populate_existing` the locked read handed back the values of the unlocked read, so a
status another worker committed in between could be written over. It held only because nothing kept the first
object alive (a concurrency review: "sound by accident"); `ingest.find_shipment(lock=True)` now says so itself.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select, update

from backend import models as m
from backend.db import transaction
from bot.services import ingest

pytestmark = pytest.mark.skipif(
    not os.environ.get("PARCELBOT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row locks and READ COMMITTED: PostgreSQL (SQLite's one writer reads its own snapshot)",
)


def test_a_locked_read_sees_what_another_worker_committed_since_this_session_read_the_parcel(runtime, demo):  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        merchant = session.get(m.Merchant, demo.id)
        row = session.scalar(select(m.Shipment).where(m.Shipment.merchant_id == demo.id).limit(1))
        tracking, before = row.tracking_number, row.status
        assert before != "delivered"
        with transaction(runtime.sessions) as other:  # another worker, committed while this one holds the object
            other.execute(update(m.Shipment).where(m.Shipment.id == row.id).values(status="delivered"))
        locked = ingest.find_shipment(session, merchant, tracking, lock=True)
        assert locked is row  # the same object (the identity map)...
        assert locked.status == "delivered", "the locked read handed back what the unlocked read saw"
