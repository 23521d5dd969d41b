"""Reading a pickup point's opening hours ("Mon-Sat 07:00-22:00, Sun 09:00-18:00"): is it open now?"""

from __future__ import annotations

import re
from datetime import datetime

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_SEGMENT = re.compile(
    r"(?P<days>every\s*day|daily|7\s*days|(?P<d1>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
    r"(?:\s*(?:-|–|to)\s*(?P<d2>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)?)"
    r"\s*:?\s*(?P<open>\d{1,2}(?:[:.]\d{2})?)\s*(?:-|–|to)\s*(?P<close>\d{1,2}(?:[:.]\d{2})?)",
    re.IGNORECASE,
)


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.replace(".", ":").partition(":")
    return int(hours) * 60 + int(minutes or 0)


def open_now(hours: str, local: datetime) -> bool | None:
    """Is a point with these opening hours ("Mon-Sat 07:00-22:00, Sun 09:00-18:00") open at `local`?

    None when the hours can't be read: the caller must not claim a point is open on a guess.
    """
    segments = list(_SEGMENT.finditer(hours or ""))
    if not segments:
        return None
    weekday, now = local.weekday(), local.hour * 60 + local.minute
    for seg in segments:
        if seg.group("d1"):
            first = _DAY_NAMES.index(seg.group("d1").lower())
            last = _DAY_NAMES.index(seg.group("d2").lower()) if seg.group("d2") else first
            days = {(first + i) % 7 for i in range((last - first) % 7 + 1)}
        else:
            days = set(range(7))
        if weekday in days and _minutes(seg.group("open")) <= now < _minutes(seg.group("close")):
            return True
    return False


def week(hours: str) -> dict[int, tuple[int, int]] | None:
    """Each day's opening and closing in minutes from midnight ({0: (420, 1320), ...}, Monday 0; a day it is shut
    is left out), or None when the hours can't be read."""
    segments = list(_SEGMENT.finditer(hours or ""))
    if not segments:
        return None
    days: dict[int, tuple[int, int]] = {}
    for seg in segments:
        if seg.group("d1"):
            first = _DAY_NAMES.index(seg.group("d1").lower())
            last = _DAY_NAMES.index(seg.group("d2").lower()) if seg.group("d2") else first
            named = [(first + i) % 7 for i in range((last - first) % 7 + 1)]
        else:
            named = list(range(7))
        opens, closes = _minutes(seg.group("open")), _minutes(seg.group("close"))
        for day in named:
            was = days.get(day)
            days[day] = (min(was[0], opens), max(was[1], closes)) if was else (opens, closes)
    return days


# "whichever is open latest", "the one that closes last", "the earliest opening one", "which opens first?": a pick
# by opening hours, not by a word of a name ("Rusholme Late Store" had been picked for "open latest").
_LATEST = re.compile(
    r"\b(?:open(?:s|ed)?\s+(?:the\s+|till\s+|until\s+|til\s+)?(?:latest|longest)|clos(?:es|ing|e)\s+(?:the\s+)?"
    r"(?:last|latest)|latest\s+(?:closing|opening|open|one\s+open)|last\s+(?:one\s+)?to\s+close|stays?\s+open\s+"
    r"(?:the\s+)?(?:latest|longest)|open\s+(?:the\s+)?most\s+hours|longest\s+(?:hours|opening))\b", re.IGNORECASE)
_EARLIEST = re.compile(
    r"\b(?:opens?\s+(?:the\s+)?(?:earliest|first|soonest)|open\s+(?:the\s+)?earliest|earliest\s+"
    r"(?:opening|open(?:s|ing)?)|first\s+(?:one\s+)?to\s+open|open(?:s)?\s+first)\b", re.IGNORECASE)
LATEST, EARLIEST = "latest", "earliest"


def by_hours_wanted(text: str) -> str | None:
    """LATEST or EARLIEST when the message picks a point by its hours, else None."""
    if _LATEST.search(text or ""):
        return LATEST
    if _EARLIEST.search(text or ""):
        return EARLIEST
    return None


def pick_by_hours(hours: list[str], wanted: str) -> int | None:
    """The index of the point open latest (the latest closing, over a week: a day it is shut counts as closed at
    midnight) or opening earliest (a shut day as opening at the next midnight); the nearest of any tie, as listed.
    None when some point's hours can't be read: no pick is claimed on a guess."""
    weeks = [week(h) for h in hours]
    if not weeks or any(w is None for w in weeks):
        return None
    if wanted == LATEST:
        scores = [sum(w.get(d, (0, 0))[1] for d in range(7)) for w in weeks]  # type: ignore[union-attr]
        best = max(scores)
    else:
        scores = [sum(w.get(d, (1440, 1440))[0] for d in range(7)) for w in weeks]  # type: ignore[union-attr]
        best = min(scores)
    return scores.index(best)
