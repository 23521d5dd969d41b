"""A clean benchmark database: migrated, the demo merchant, and one parcel per simulated shopper.

Rows go in with bulk INSERTs (thousands of parcels in a second or two). Every run starts from an empty schema,
so a run never meets the rate limits or code budgets a previous run used up.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import DBAPIError

from backend import models as m
from backend.db import make_engine, make_session_factory, recreate, transaction
from bot.cli.load.scripts import POSTCODE, shopper_phone, shopper_tracking
from bot.services.demo import seed_demo

BATCH = 2000


def prepare(url: str, shoppers: int) -> None:
    """A benchmark's database: an empty schema migrated to head (PostgreSQL: public dropped and re-created), the
    demo merchant and `shoppers` parcels, then settled (below)."""
    recreate(url)
    engine = make_engine(url)
    seed_shoppers(make_session_factory(engine), shoppers)
    engine.dispose()
    settle(url)


def settle(url: str) -> None:
    """After the bulk seed, before anything is measured (PostgreSQL): VACUUM ANALYZE, so autovacuum does not start
    on the fresh tables half-way through a step and the planner has statistics; then a CHECKPOINT (where the role
    may), so the seed's writes are not flushed during the run. Both were seen as seconds-long stalls in a step."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
        with contextlib.suppress(DBAPIError):  # CHECKPOINT needs a superuser or pg_checkpoint
            conn.execute(text("CHECKPOINT"))
    engine.dispose()


def seed_shoppers(sessions, shoppers: int, *, now: datetime | None = None) -> int:  # noqa: ANN001
    """The demo merchant and `shoppers` parcels in transit, due tomorrow, each with its own phone number."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    day = now.replace(hour=0, minute=0, second=0)
    with transaction(sessions) as s:
        merchant = seed_demo(s, now=now)
        merchant_id = merchant.id
    start, end = day + timedelta(days=1, hours=9), day + timedelta(days=1, hours=13)
    for first in range(0, shoppers, BATCH):
        rows = [dict(merchant_id=merchant_id, tracking_number=shopper_tracking(i), order_number=f"L{i:08d}",
                     recipient_name="Alex Doe", recipient_phone=shopper_phone(i),
                     recipient_email=f"alex+{i}@example.com", address_line1=f"{i % 200 + 1} Mill Street",
                     city="Manchester", postcode=POSTCODE, country="GB", status="in_transit",
                     status_at=now - timedelta(hours=5), eta_start=start, eta_end=end,
                     value_amount=Decimal("29.99"), value_currency="GBP",
                     items=[{"sku": f"SKU-L{i}", "name": "Trail socks", "quantity": 1}], instructions={},
                     live={}, created_at=now, updated_at=now)
                for i in range(first, min(shoppers, first + BATCH))]  # fmt: skip
        with transaction(sessions) as s:
            s.execute(insert(m.Shipment), rows)
            ids = dict(s.execute(select(m.Shipment.tracking_number, m.Shipment.id)
                                 .where(m.Shipment.tracking_number.in_([r["tracking_number"] for r in rows]))).all())
            s.execute(insert(m.TrackingEvent), [
                dict(shipment_id=ids[r["tracking_number"]], event_id=f"load-{r['tracking_number']}-{k}",
                     status=status, occurred_at=now - timedelta(hours=hours), location=where, description=desc)
                for r in rows
                for k, (status, hours, where, desc) in enumerate((
                    ("label_created", 30, "Acme warehouse, Leeds", "Label created"),
                    ("in_transit", 5, "Manchester depot", "Arrived at the local depot")))
            ])  # fmt: skip
    return merchant_id
