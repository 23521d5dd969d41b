"""Fixtures for the fault suite: a remote carrier that can fail (kit.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.types import ActionKind
from bot.runtime import Runtime
from tests.faults.kit import Carrier, acme_runtime, carrier_api


def _remote(env, interpreter, kind: ActionKind) -> Iterator[tuple[Runtime, Carrier]]:  # noqa: ANN001
    rt = acme_runtime(env, interpreter, kind)
    carrier = Carrier()
    with carrier_api(carrier, kind):
        yield rt, carrier
    rt.close()


@pytest.fixture
def note_carrier(env, interpreter):  # noqa: ANN001, ANN201
    """A runtime on a carrier that takes delivery notes, its API mocked, and the carrier's switch."""
    yield from _remote(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)


@pytest.fixture
def cancel_carrier(env, interpreter):  # noqa: ANN001, ANN201
    """The same, on a carrier that cancels orders (the parcel's order is A-1)."""
    yield from _remote(env, interpreter, ActionKind.CANCEL_ORDER)
