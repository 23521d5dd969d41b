"""What the reschedule tests that name days share: today in London, "the 18th", how a reply labels a day, and the
days of a numbered slot list (test_reschedule_from_a_day.py, test_reschedule_by_a_day.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aftersales_kit import LONDON


def today() -> date:
    return datetime.now(LONDON).date()


def nth(day: date) -> str:
    suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{day.day}{suffix}"


def label(day: date) -> str:
    return "tomorrow" if day == today() + timedelta(days=1) else f"{day:%a} {day.day} {day:%b}"


def slot_days(reply: str) -> list[str]:
    """The day part of each numbered slot line ("3) Thu 10 Dec 17:00-21:00 ..." -> "Thu 10 Dec")."""
    out = []
    for line in reply.splitlines():
        if line[:1].isdigit() and ") " in line:
            text = line.split(") ", 1)[1]
            out.append("tomorrow" if text.startswith("tomorrow") else " ".join(text.split()[:3]))
    return out
