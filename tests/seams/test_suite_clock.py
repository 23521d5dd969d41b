"""The suite's own clock (tests/conftest.py): midday London on the real date, the rows' timestamps on it too, and
the real clock still there for processes a test starts; so no test passes at 20:00 and fails at 22:30 because the
demo's rules depend on the hour."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from backend.models import utcnow
from tests.conftest import DATE_AT_START, TZ_AT_START
from tests.helpers import real_now

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.skipif(os.environ.get("PARCELBOT_TEST_REAL_CLOCK") == "1" or
                                bool(os.environ.get("PARCELBOT_TEST_CLOCK")),
                                reason="the suite was asked to run on the real clock, or at another moment")


def test_the_suite_runs_at_midday_london_on_the_real_date() -> None:
    here = datetime.now(LONDON)
    assert 12 <= here.hour < 14, here  # ticks from 12:00; the whole suite takes minutes, not hours
    assert here.date() == DATE_AT_START  # the real date the suite started on (a CI run found it crossing midnight)
    assert abs((real_now().astimezone(LONDON).date() - DATE_AT_START).days) <= 1


def test_the_rows_are_stamped_on_the_suites_clock_not_the_real_one() -> None:
    stamped = utcnow().astimezone(LONDON)  # every row's created_at / updated_at default
    assert 12 <= stamped.hour < 14, stamped
    assert abs((stamped - datetime.now(LONDON)).total_seconds()) < 5


def test_the_process_keeps_the_servers_time_zone() -> None:
    """Travelling to a London time must not set TZ for the session (and every process it starts): code reading
    the server's local time by mistake would go unnoticed."""
    assert os.environ.get("TZ") == TZ_AT_START
