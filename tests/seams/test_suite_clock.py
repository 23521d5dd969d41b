"""The suite's own clock (tests/conftest.py): an ordinary working hour in London, every clock in the process
agreeing, so no test passes at 20:00 and fails at 22:30 because the demo's rules depend on the hour."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.models import utcnow

pytestmark = pytest.mark.skipif(os.environ.get("PARCELBOT_TEST_REAL_CLOCK") == "1",
                                reason="the suite was asked to run on the real clock")


@pytest.mark.skipif(bool(os.environ.get("PARCELBOT_TEST_CLOCK")), reason="the suite was given another moment")
def test_the_suite_runs_at_midday_london_on_the_real_date() -> None:
    here = datetime.now(ZoneInfo("Europe/London"))
    assert 12 <= here.hour < 14, here  # ticks from 12:00; the whole suite takes minutes, not hours


def test_the_rows_timestamps_codes_and_links_read_the_same_clock() -> None:
    wall, stamp = datetime.now(UTC), utcnow()
    epoch = time.time()
    assert abs((stamp - wall).total_seconds()) < 5
    assert abs(epoch - wall.timestamp()) < 5
