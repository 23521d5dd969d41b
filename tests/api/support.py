"""Helpers for the integration API tests: a valid shipment, events, real images, a stand-in NLU."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

_ids = itertools.count(1)


class NoNLU:
    """These tests push data through the API and jobs; nothing here should ever parse a shopper's text."""

    def parse(self, text: str, context: Any) -> Any:
        raise AssertionError(f"the NLU was asked to parse {text!r} in a test that never reads messages")


def new_tracking() -> str:
    return f"PB9{next(_ids):08d}GB"


def shipment(tracking: str | None = None, **overrides: Any) -> dict[str, Any]:
    body = {
        "tracking_number": tracking or new_tracking(),
        "order_number": "100234",
        "carrier": "reference",
        "recipient": {"name": "Sam Taylor", "phone": "+447700900111", "email": "sam@example.com"},
        "address": {"line1": "12 Acacia Avenue", "line2": None, "city": "Manchester", "postcode": "M1 4BT",
                    "country": "GB"},
        "status": "label_created",
        "eta": {"start": "2026-11-23T09:00:00+00:00", "end": "2026-11-23T13:00:00+00:00"},
        "signature_required": False,
        "value": {"amount": "49.99", "currency": "GBP"},
        "items": [{"sku": "TR-42", "name": "Trail running shoes", "quantity": 1}],
    }
    body.update(overrides)
    return body


def at(minutes_ago: float, now: datetime | None = None) -> str:
    return ((now or datetime.now(UTC)) - timedelta(minutes=minutes_ago)).isoformat()


def event(status: str, minutes_ago: float = 0, *, now: datetime | None = None, **extra: Any) -> dict[str, Any]:
    return {"event_id": f"evt-{next(_ids)}", "status": status, "occurred_at": at(minutes_ago, now),
            "location": "Manchester depot", "description": status.replace("_", " "), **extra}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    img = Image.new("RGB", size, (120, 160, 200))
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def noisy_png(min_bytes: int) -> bytes:
    """A real PNG bigger than min_bytes: random pixels don't compress."""
    import os

    side = int((min_bytes / 3) ** 0.5) + 64
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=0)
    return out.getvalue()


# -- fixtures (imported by tests/api/conftest.py and by the notification and outbox tests) -----------------
@pytest.fixture
def interpreter():  # noqa: ANN201 - overrides the trained model: these tests never parse text
    return NoNLU()


@pytest.fixture
def api_key(runtime, demo) -> str:  # noqa: ANN001
    from backend.db import transaction
    from bot.core.apikeys import create_key

    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        # Texts go at once whatever the hour the suite runs; quiet hours have their own tests.
        merchant.settings = {**(merchant.settings or {}), "quiet_hours": None}
        key, _ = create_key(session, merchant)
    return key


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}
