"""Fixtures the journey tests share (their helpers are in aftersales_kit.py)."""

from __future__ import annotations

import pytest
from aftersales_kit import EVERY_DAY, merchant_settings


@pytest.fixture
def every_day(runtime, demo):  # noqa: ANN001, ANN201
    """Every day a delivery day, changes open till midnight, a week of slots (aftersales_kit.EVERY_DAY)."""
    merchant_settings(runtime, rules=EVERY_DAY)
