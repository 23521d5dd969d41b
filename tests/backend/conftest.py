"""Database fixtures for backend tests: a freshly migrated database per test.

SQLite in tmp_path by default; PARCELBOT_TEST_DATABASE_URL (e.g. PostgreSQL) when set, with the schema
dropped and recreated so every test starts from the migrations, exactly like a new installation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from backend_testkit import ETA_END, ETA_START
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import make_engine, make_session_factory, upgrade


@pytest.fixture
def db_url(tmp_path) -> str:
    url = os.environ.get("PARCELBOT_TEST_DATABASE_URL")
    if url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'parcelbot-test.db'}"
    upgrade(url)
    return url


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
