"""The days a request may name: far enough from the calendar's ends (year 1, year 9999) that a time zone's
offset or a few days' arithmetic never leaves it. date.fromisoformat accepts 0001-01-01 and 9999-12-31, and the
first "day after" or conversion to UTC past them is an OverflowError: a 500 where a clear 4xx belongs."""

from __future__ import annotations

from datetime import date

FIRST_YEAR, LAST_YEAR = 1900, 9000
EARLIEST, LATEST = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
DAY_FORMAT = "a day written YYYY-MM-DD, e.g. 2026-12-09"
OUT_OF_RANGE = f"must be between {EARLIEST} and {LATEST}"


def parse_day(raw: str, earliest: date = EARLIEST, latest: date = LATEST) -> date:
    """The day `raw` names, or ValueError saying what is wrong (the message is fit for the caller)."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"must be {DAY_FORMAT}") from None
    if not earliest <= day <= latest:
        raise ValueError(f"must be between {earliest} and {latest}")
    return day
