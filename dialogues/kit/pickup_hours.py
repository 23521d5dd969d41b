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
