"""Migration 0012: notification keys name the parcel's row, not its tracking number (carriers reuse numbers, and
a new parcel under an old number was never told "on the way" or "delivered"). A parcel notified before the upgrade
is not notified again after it. Checked on the database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from backend.db import alembic_config
from tests.seams.test_migration_0007 import MESSAGE, _merchant

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SHIPMENT = ("INSERT INTO shipments (id, merchant_id, tracking_number, carrier, recipient_name, address_line1, city, "
            "postcode, country, status, signature_required, value_currency, items, instructions, live, changes_count, "
            "created_at, updated_at) VALUES (:id, :merchant, :tracking, :carrier, 'Sam', '1 High St', 'Leeds', "
            "'LS1 1AA', 'GB', 'delivered', false, 'GBP', '[]', '{}', '{}', 0, :at, :at)")


def _keys(conn: sa.Connection) -> dict[str, str]:
    return dict(conn.execute(sa.text("SELECT body, dedupe_key FROM messages")).all())


def test_old_keys_name_the_oldest_parcel_of_their_number_and_others_are_left_alone(db_url):
    engine = sa.create_engine(db_url)
    command.downgrade(alembic_config(db_url), "0011")
    try:
        with engine.begin() as conn:
            _merchant(conn, 1)
            _merchant(conn, 2)
            for row_id, merchant, carrier in ((7, 1, "reference"), (9, 1, "dpd"), (8, 2, "reference")):
                conn.execute(sa.text(SHIPMENT), {"id": row_id, "merchant": merchant, "tracking": "ZZ100",
                                                 "carrier": carrier, "at": AT})
            for merchant, body, key in ((1, "shipped", "notify:ZZ100:shipped"), (1, "event", "notify:ZZ100:evt-1:a"),
                                        (1, "survey", "survey:ZZ100"), (2, "theirs", "notify:ZZ100:delivered"),
                                        (1, "gone", "notify:GONE1:delivered"), (1, "code", "otp:abc"),
                                        (1, "kept", "kept:change-1")):
                conn.execute(sa.text(MESSAGE), {"merchant": merchant, "body": body, "key": key, "at": AT})
        command.upgrade(alembic_config(db_url), "head")
        with engine.connect() as conn:
            keys = _keys(conn)
        assert keys == {
            "shipped": "notify:s7:shipped",  # merchant 1's older parcel of that number, not the dpd one (9)
            "event": "notify:s7:evt-1:a",
            "survey": "survey:s7",
            "theirs": "notify:s8:delivered",  # merchant 2's own parcel
            "gone": "notify:GONE1:delivered",  # no parcel of that number any more: left as it was
            "code": "otp:abc", "kept": "kept:change-1",
        }
        command.downgrade(alembic_config(db_url), "0011")
        with engine.connect() as conn:
            back = _keys(conn)
        assert back["shipped"] == "notify:ZZ100:shipped" and back["survey"] == "survey:ZZ100"
        assert back["theirs"] == "notify:ZZ100:delivered" and back["event"] == "notify:ZZ100:evt-1:a"
    finally:  # back to head for the suite (each test's database starts empty: tests/conftest.py db_url)
        command.upgrade(alembic_config(db_url), "head")
        engine.dispose()
