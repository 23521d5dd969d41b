"""What the reschedule tests that name days share: today in London, "the 18th", how a reply labels a day, and the
days of a numbered slot list (test_reschedule_from_a_day.py, test_reschedule_by_a_day.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")  # the demo merchant's zone; imported from here and from tests/review


def today() -> date:
    return datetime.now(LONDON).date()


def nth(day: date) -> str:
    suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{day.day}{suffix}"


def _plain(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def label(day: date) -> str:
    return "tomorrow" if day == today() + timedelta(days=1) else _plain(day)


def slot_days(reply: str) -> list[str]:
    """The day part of each numbered slot line ("3) Thu 10 Dec 17:00-21:00 ..." -> "Thu 10 Dec")."""
    out = []
    for line in reply.splitlines():
        if line[:1].isdigit() and ") " in line:
            text = line.split(") ", 1)[1]
            out.append("tomorrow" if text.startswith("tomorrow") else " ".join(text.split()[:3]))
    return out


def next_weekday(name: str) -> date:
    """The next day called `name` after today ("wednesday" on a Wednesday is a week on): what a shopper means by a
    bare day name, so a test that names one reads right whichever day the suite runs."""
    wanted = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(name[:3].lower())
    ahead = (wanted - today().weekday()) % 7 or 7
    return today() + timedelta(days=ahead)


def spoken(day: date) -> str:
    """A day as a sentence names it ("not between tomorrow (Mon 14 Dec) and Sun 20 Dec"): tomorrow with its date."""
    return f"tomorrow ({_plain(day)})" if day == today() + timedelta(days=1) else _plain(day)
