"""Delivery time windows ("morning", "after 5", "before noon", "between 2 and 4", "9-12").

Hours without am/pm follow delivery hours: 1-7 mean afternoon/evening (after 5 = 17:00), 8-11 morning,
12 noon. Open-ended windows close at the end of the delivery day (21:00) or open at its start (08:00).
A window takes its date from an adjacent date entity ("Saturday morning"), else from the only date in
the message; "tonight" / "this morning" are today. With a date, ``start_at``/``end_at`` carry the real
UTC offset for that day, so windows on DST-change days are right.

"at 5" / "at 5pm" / "at 10:30" is the hour from that time (17:00-18:00, 10:30-11:30). A bare hour
("at 5") only counts with a date close before or after it ("tomorrow at 5", "at 5 on friday") and no
street word after it ("at 5 acacia avenue" is an address); "at 5pm" and "at 10:30" count on their own.
Windows side by side with nothing but spaces, commas, "and" or "but" between them, and no clashing
dates, narrow each other into one: "sat morning after 10" and "after 10 before 12" are 10:00-12:00.
If they do not overlap ("morning after 5"), both are kept and the dialogue has to ask.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from intents.context import ParseContext
from intents.entities._base import (
    QUANTITY_NOUNS,
    STREET_WORD,
    Candidate,
    cand,
    has_digit,
    local_today,
    tokens,
    word_set,
    zone,
)

DAY_START, DAY_END = 8 * 60, 21 * 60
_PARTS = {
    "morning": (8, 12),
    "afternoon": (12, 17),
    "evening": (17, 21),
    "lunchtime": (12, 14),
    "lunch time": (12, 14),
    "tonight": (17, 21),
    "tonite": (17, 21),
    "first thing": (8, 10),
    "anytime": (8, 21),
    "any time": (8, 21),
    "later in the day": (14, 21),
    "am": (8, 12),
    "pm": (12, 17),
}
_WORD_TIMES = {"noon": 12 * 60, "midday": 12 * 60, "lunch": 13 * 60, "lunchtime": 13 * 60}


def _time(p: str) -> str:
    return (
        rf"(?:(?P<{p}h>\d{{1,2}})(?:[:.](?P<{p}m>[0-5]\d))?(?:\s*(?P<{p}ap>[ap]\.?m\b\.?))?"
        rf"|(?P<{p}w>noon|midday|lunch(?:\s*time)?)\b)"
    )


_I = re.IGNORECASE
_NOT_AFTER = rf"(?!\s*(?:working\s+|business\s+)?{QUANTITY_NOUNS}\b|\d|[/.:-]\d|%)"
_PART = re.compile(
    r"\b(?:(?P<this>this)\s+|in\s+the\s+)?(?P<part>mornings?|afternoons?|evenings?|lunch\s*time|tonight|tonite"
    r"|first\s+thing|any\s*time|later\s+in\s+the\s+day)\b"
    r"|(?<=[a-z] )(?P<ampm>am|pm)\b",
    _I,
)
_AFTER = re.compile(rf"\b(?:any\s*time\s+)?(?:after|from|not\s+before)\s+{_time('a')}{_NOT_AFTER}", _I)
# "i wont be home til 6pm", "at work until 5:30", "out till 4": free from that time, so the hours after it. The
# match starts at the words that say they are out, so the dialogue never reads them as refusing the window.
_OUT_UNTIL = re.compile(
    r"\b(?:(?:won'?t|wont|will\s+not|can'?t|cant|not|never)\s+(?:be\s+)?(?:home|in|back|there|around|free|available|"
    r"in\s+the\s+house)|(?:don'?t|dont|do\s+not|won'?t|wont)\s+get\s+(?:home|in|back)|out|away|at\s+work|in\s+work"
    r"|working|busy|on\s+shift|at\s+school)"
    rf"\s+(?:till|until|til|untill|'til)\s+(?:after\s+)?{_time('a')}{_NOT_AFTER}", _I)
_BEFORE = re.compile(
    rf"\b(?P<kw>before|b4|by|no\s+later\s+than|not\s+after)\s+{_time('b')}"
    rf"{_NOT_AFTER}",
    _I,
)
_RANGE = re.compile(
    rf"(?:\b(?P<kw>between|btwn|from)\s+|(?<![\w/.:£$€#-])){_time('s')}\s*(?P<sep>and|&|-|–|to|till|until|til)"
    rf"\s*{_time('e')}{_NOT_AFTER}(?![\w/])",
    _I,
)
_DATE_WORD_BEFORE = re.compile(
    r"(?:day|mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun|tomorrow|tmrw|2moro|"
    r"today|\d(?:st|nd|rd|th)?)\s$",
    _I,
)
_PART_GATE = word_set(
    "morning mornings afternoon afternoons evening evenings lunch lunchtime tonight tonite first any anytime"
    " later am pm"
)
# "good morning", "evening all", "hey, afternoon": greetings; "all morning": a duration, not a window.
_GREETING_BEFORE = re.compile(r"(?:\b(?:good|gud|top\s+of\s+the|all)\s+|^\W*(?:hi|hey|hello|hiya)\W+)$", _I)
_GREETING_AFTER = re.compile(r"\s*(?:,|!|\b(?:all|mate|guys|everyone|folks|team|there|to\s+you)\b)", _I)
_TIME_WORDS = frozenset({"noon", "midday", "lunch", "lunchtime"})
_ADJACENT_GAP = re.compile(r"[\s,]*(?:(?:on|in\s+the|at|from|,|-)\s*)?", _I)
_AT = re.compile(rf"(?<![\w@])(?:at|@)\s*{_time('t')}(?:\s*o['’]?clock\b)?{_NOT_AFTER}(?![a-z])", _I)
# After a bare "at 5": a street ("at 5 acacia avenue", "at 12 the crescent") means an address.
_STREET_AFTER = re.compile(rf"\s+(?:[a-z'-]+\s+){{0,3}}{STREET_WORD}", _I)
# "the lady at 12 tomorrow": after a person, a bare number is the house they live at.
_PERSON_BEFORE = re.compile(
    r"\b(?:neighbou?rs?|lady|man|guy|bloke|chap|people|family|couple|(?:mrs?|ms|miss)\.?\s+[a-z]+)\s+$", _I
)
_NEAR_DATE_GAP = re.compile(r"[a-z\s,]{0,20}", _I)  # words only between a date and a bare "at 5"
_MERGE_GAP = re.compile(r"[\s,]*(?:(?:and|but|&)[\s,]+)?", _I)


def _minutes(m: re.Match[str], p: str, word_bias: int = 0) -> tuple[int, str | None] | None:
    """(minutes since midnight as typed, "am"/"pm"/None), hour not yet disambiguated for bare numbers."""
    if m.group(f"{p}w"):
        key = re.sub(r"\s+", "", m.group(f"{p}w").lower())
        return _WORD_TIMES[key] - word_bias, "word"
    h, mins = int(m.group(f"{p}h")), int(m.group(f"{p}m") or 0)
    ap = (m.group(f"{p}ap") or "").lower().replace(".", "") or None
    if h > 24 or (ap and not 1 <= h <= 12):
        return None
    return h * 60 + mins, ap


def _to24(value: int, ap: str | None) -> int:
    h, mins = divmod(value, 60)
    if ap == "word" or h >= 13 or h == 0:
        return value
    if ap in ("am", "pm"):
        return (h % 12 + (12 if ap == "pm" else 0)) * 60 + mins
    return (h + 12) * 60 + mins if h <= 7 else value  # delivery-hours guess for bare 1-7


def _fmt(minutes: int) -> str:
    minutes = min(minutes, 23 * 60 + 59)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _window(start: int, end: int) -> tuple[int, int] | None:
    return (start, end) if 0 <= start < end <= 24 * 60 else None


def _range(m: re.Match[str]) -> tuple[int, int] | None:
    s, e = _minutes(m, "s"), _minutes(m, "e")
    if s is None or e is None:
        return None
    (sv, sap), (ev, eap) = s, e
    if not m.group("kw") and m.group("sep").lower() not in ("-", "–") and not (sap or eap):
        return None  # "2 to 4" alone is too often a count; needs "between"/"from" or am/pm
    if eap in ("am", "pm") and sap is None and sv < 13 * 60:
        sap = eap if (sv // 60) % 12 < (ev // 60) % 12 else ("am" if eap == "pm" else "pm")
    start, end = _to24(sv, sap), _to24(ev, eap)
    if end <= start and eap is None and end < 12 * 60:
        end += 12 * 60
    return _window(start, end)


def _after(m: re.Match[str]) -> tuple[int, int] | None:
    t = _minutes(m, "a")
    if t is None:
        return None
    start = _to24(*t)
    return _window(start, max(DAY_END, min(start + 60, 24 * 60 - 1)))


def _at(m: re.Match[str], text: str, dates: list[Candidate]) -> tuple[int, int] | None:
    t = _minutes(m, "t")
    if t is None or t[1] == "word" and m.group("tw").lower().startswith("lunch"):
        return None  # "at lunch(time)" is the lunchtime part of day, 12:00-14:00
    if t[1] is None and not m.group("tm"):
        if _STREET_AFTER.match(text, m.end()) or _PERSON_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            return None  # bare "at 5": never an address or where a person lives
        if not any(_adjacent(text, d, m.start(), m.end(), _NEAR_DATE_GAP, 20) for d in dates):
            return None  # ... and a time only beside a date
    start = _to24(*t)
    return _window(start, min(start + 60, 24 * 60 - 1))


def _before(m: re.Match[str]) -> tuple[int, int] | None:
    t = _minutes(m, "b", word_bias=60 if (m.group("bw") or "").lower().startswith("lunch") else 0)
    if t is None or (m.group("kw").lower() == "by" and t[1] is None and not m.group("bm")):
        return None  # "by 14" is more often a place or number than a time
    end = _to24(*t)
    return _window(DAY_START if end > DAY_START else 0, end)


def extract(text: str, context: ParseContext, dates: list[Candidate] | None = None) -> list[Candidate]:
    """Window candidates; ``dates`` (the date candidates) decide whether a bare "at 5" is a time."""
    out: list[Candidate] = []
    today = None
    toks = tokens(text)
    for m in _PART.finditer(text) if not _PART_GATE.isdisjoint(toks) else ():
        if m.group("ampm"):
            if not _DATE_WORD_BEFORE.search(text, 0, m.start()):
                continue
            key = m.group("ampm").lower()
        else:
            if not m.group("this") and _is_greeting(text, m):
                continue
            key = re.sub(r"\s+", " ", m.group("part").lower())
            key = key[:-1] if key.endswith(("mornings", "afternoons", "evenings")) else key
        start, end = _PARTS[key]
        resolved: dict = {"start": _fmt(start * 60), "end": _fmt(end * 60)}
        if m.group("this") or key in ("tonight", "tonite"):
            today = today or local_today(context)
            resolved["date"] = today.isoformat()
        out.append(_cand(m, start * 60, end * 60, resolved))
    if not has_digit(text) and _TIME_WORDS.isdisjoint(toks):
        return out
    for pattern, fn in ((_AFTER, _after), (_OUT_UNTIL, _after), (_BEFORE, _before), (_RANGE, _range)):
        for m in pattern.finditer(text):
            window = fn(m)
            if window:
                out.append(_cand(m, *window, {"start": _fmt(window[0]), "end": _fmt(window[1])}))
    for m in _AT.finditer(text) if "at" in toks or "@" in text else ():
        window = _at(m, text, dates or [])
        if window:
            out.append(_cand(m, *window, {"start": _fmt(window[0]), "end": _fmt(window[1])}))
    return out


def merge(text: str, kept: list[Candidate]) -> list[Candidate]:
    """Narrow side-by-side windows for the same day into one ("sat morning after 10" -> 10:00-12:00).

    ``kept`` is the resolved, sorted, non-overlapping list; windows that do not overlap in time, have
    different dates or are apart ("mon morning or tue afternoon") are left as they are.
    """
    out: list[Candidate] = []
    for c in kept:
        prev = out[-1] if out else None
        if c.entity == "time_window" and prev is not None and prev.entity == "time_window":
            joined = _intersect(text, prev, c)
            if joined is not None:
                out[-1] = joined
                continue
        out.append(c)
    return out


def _intersect(text: str, a: Candidate, b: Candidate) -> Candidate | None:
    assert a.resolved is not None and b.resolved is not None
    day_a, day_b = a.resolved.get("date"), b.resolved.get("date")
    if (day_a and day_b and day_a != day_b) or not _MERGE_GAP.fullmatch(text, a.end, b.start):
        return None
    start, end = max(a.resolved["start"], b.resolved["start"]), min(a.resolved["end"], b.resolved["end"])
    if start >= end:
        return None  # "morning after 5": contradictory, keep both for the dialogue to ask
    resolved = {"start": start, "end": end, **({"date": day_a or day_b} if day_a or day_b else {})}
    return cand("time_window", f"{start}-{end}", a.start, b.end, resolved)


def _is_greeting(text: str, m: re.Match[str]) -> bool:
    if m.group("part").lower() not in ("morning", "afternoon", "evening"):
        return False
    if _GREETING_BEFORE.search(text, 0, m.start()):
        return True
    return not text[: m.start()].strip() and bool(_GREETING_AFTER.match(text, m.end()))


def _cand(m: re.Match[str], start: int, end: int, resolved: dict) -> Candidate:
    span_start = m.start("kw") if "kw" in m.re.groupindex and m.group("kw") else m.start()
    return cand("time_window", f"{_fmt(start)}-{_fmt(end)}", span_start, m.end(), resolved)


def attach_dates(text: str, windows: list[Candidate], dates: list[Candidate], context: ParseContext) -> None:
    """Give each window a date: adjacent date first, else the message's only date; add zone-aware times."""
    for w in windows:
        assert w.resolved is not None
        if "date" not in w.resolved:
            near = [d for d in dates if _adjacent(text, d, w.start, w.end)]
            chosen = near[0] if near else (dates[0] if len(dates) == 1 else None)
            if chosen is not None:
                w.resolved["date"] = chosen.value
        if "date" in w.resolved:
            day = date.fromisoformat(w.resolved["date"])
            tz = zone(context.timezone)
            for key in ("start", "end"):
                hh, mm = map(int, w.resolved[key].split(":"))
                w.resolved[f"{key}_at"] = datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz).isoformat()


def _adjacent(text: str, d: Candidate, start: int, end: int, gap: re.Pattern[str] = _ADJACENT_GAP,
              most: int = 12) -> bool:  # fmt: skip
    """Is the date `d` beside the span start..end, with only `gap`-shaped text (at most `most` chars) between?"""
    lo, hi = (d.end, start) if d.end <= start else (end, d.start)
    return 0 <= hi - lo <= most and bool(gap.fullmatch(text, lo, hi))
