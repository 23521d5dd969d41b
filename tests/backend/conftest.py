"""Database fixtures for backend tests, on the suite's migrated, empty database per test (tests/conftest.py
db_url: SQLite in tmp_path, copied from a database the migrations built once; PARCELBOT_TEST_DATABASE_URL, e.g.
PostgreSQL, migrated once and emptied before each test). Running the migrations again for each of these tests
cost about a second a test, five minutes of a CI run; tests/test_migrations.py and tests/seams/test_migration_*
run them from empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from backend_testkit import ETA_END, ETA_START
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import make_engine, make_session_factory


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    factory = make_session_factory(engine)
    with factory() as session:
        yield session
        session.rollback()


@pytest.fixture
def merchant(session: Session) -> m.Merchant:
    merchant = m.Merchant(slug="acme", name="Acme Outdoors", timezone="Europe/London", settings={})
    session.add(merchant)
    session.flush()
    return merchant


@pytest.fixture
def make_row(session: Session, merchant: m.Merchant) -> Callable[..., m.Shipment]:
    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> m.Shipment:
        n = next(counter)
        values: dict[str, Any] = {
            "merchant_id": merchant.id,
            "tracking_number": f"PB{100000000 + n}GB",
            "order_number": str(100200 + n),
            "recipient_name": "Sam Taylor",
            "recipient_phone": "+447700900123",
            "recipient_email": "sam@example.com",
            "address_line1": "12 Acacia Avenue",
            "city": "Manchester",
            "postcode": "M1 4BT",
            "country": "GB",
            "status": "in_transit",
            "eta_start": ETA_START,
            "eta_end": ETA_END,
            "value_amount": Decimal("49.99"),
            "items": [{"sku": "TR-42", "name": "Trail running shoes", "quantity": 1}],
            "instructions": {},
        }
        values.update(overrides)
        row = m.Shipment(**values)
        session.add(row)
        session.flush()
        return row

    return make
