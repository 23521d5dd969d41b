"""Fixtures for the fault suite: a remote carrier that can fail (kit.py)."""

from __future__ import annotations

import pytest

from backend.types import ActionKind
from tests.faults.kit import Carrier, acme_runtime, carrier_api


@pytest.fixture
def note_carrier(env, interpreter):  # noqa: ANN001, ANN201
    """A runtime on a carrier that takes delivery notes, its API mocked, and the carrier's switch."""
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    carrier = Carrier()
    with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE):
        yield rt, carrier
    rt.close()


@pytest.fixture
def cancel_carrier(env, interpreter):  # noqa: ANN001, ANN201
    """The same, on a carrier that cancels orders (the parcel's order is A-1)."""
    rt = acme_runtime(env, interpreter, ActionKind.CANCEL_ORDER)
    carrier = Carrier()
    with carrier_api(carrier, ActionKind.CANCEL_ORDER):
        yield rt, carrier
    rt.close()
