"""Dates, resolved to one ISO day in the merchant's time zone, deterministically from ``context.now``.

Rules worth knowing (all relative to the merchant-local "today"):
- bare weekday ("fri", "thursday"): the next such day after today (1-7 days ahead);
  "this X": the next such day including today; "next X" / "X next week": X in the following
  Monday-Sunday week (``resolved["alternative"]`` holds the nearer reading when it differs);
  "X week" (British "friday week"): a week after the bare reading; "last X": the latest before today.
  So is a bare weekday in a past phrase ("since monday", "it was due friday", "should have come tue",
  "ordered it on mon", "was delivered on sat"); today never counts, so "since monday" said on a
  Monday is a week ago (today would have been "since this morning").
- day/month without a year: the next occurrence on or after today ("28th jan" in November is next
  year); if this year's date passed within the last 14 days it is offered as ``resolved["recent_past"]``.
- numeric dates: GB and most regions read 03/04 as 3 April, US as March 4; when the other reading is
  also a real date it is offered as ``resolved["alternative"]``.
- "the weekend" -> the coming Saturday, or today when said on Saturday/Sunday (``end_date`` Sunday);
  "next week" -> next Monday (``end_date`` Sunday); "next month" -> the 1st (``end_date`` month end);
  "last week" / "last month" / "3 days ago" look back the same way.
Arithmetic is on ``date`` objects only, so DST changes cannot shift a day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from intents.context import ParseContext
from intents.entities._base import QUANTITY_NOUNS, Candidate, cand, gate_words, has_digit, local_today, tokens

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wensday": 2, "weds": 2,
    "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "couple of": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
}
_RELATIVE = {
    "today": 0,
    "2day": 0,
    "tday": 0,
    "tomorrow": 1,
    "tomorow": 1,
    "tommorow": 1,
    "tommorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "tmw": 1,
    "2moro": 1,
    "2morro": 1,
    "2morrow": 1,
    "tomoz": 1,
    "yesterday": -1,
    "yday": -1,
}
_HOLIDAYS = {
    "christmas eve": (12, 24),
    "xmas eve": (12, 24),
    "christmas": (12, 25),
    "christmas day": (12, 25),
    "xmas": (12, 25),
    "boxing day": (12, 26),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
    "new year's day": (1, 1),
    "new years day": (1, 1),
}
# Regions that write the month first in numeric dates.
MONTH_FIRST_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW"})


def _alt(words: dict[str, object]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_WD, _MON, _ORD = _alt(_WEEKDAYS), _alt(_MONTHS), r"(?:st|nd|rd|th)"
_NOT_AFTER_ORDINAL = re.compile(
    r"\s+(?:floor|class|time|attempt|parcel|item|box|package|delivery|one|door|house|flat|street|road|avenue"
    r"|left|right|place|stop|option|line|reminder|email|text|message|call|st|rd|ave|blvd|ln|dr)\b",
    re.IGNORECASE,
)
# The day of a named month ("31st of june", "june the 31st"), which _day_month reads or, not being a date, refuses.
_MONTH_AFTER = re.compile(rf"\s*(?:of\s+)?(?:{_MON})\b", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MON})\.?\s+(?:the\s+)?$", re.IGNORECASE)
_QUANTITY_AFTER = re.compile(rf"\s*(?:{QUANTITY_NOUNS}|%)\b", re.IGNORECASE)
_NOT_WEEKDAY_BEFORE = re.compile(
    r"\b(?:the|i|we|he|she|they|you|it|was|had|has|have|just|still|been|is|being)\s+$", re.IGNORECASE
)
# "black friday", "easter sunday", "bank holiday monday": events, not the next such weekday.
_EVENT_BEFORE = re.compile(r"\b(?:black|cyber|easter|palm|holiday|super)\s+$", re.IGNORECASE)
# A bare weekday after these is behind us; "delivered on" not in "can it be / get it delivered on".
_PAST_BEFORE = re.compile(
    r"\b(?:since|(?:was|were)\s+due|(?:was|were)\s+(?:supposed|meant)\s+to\s+(?:come|arrive|be\s+delivered)"
    r"|should(?:\s+have|'ve|ve)\s+(?:come|arrived|been\s+delivered)|ordered\s+(?:it\s+|them\s+)?on"
    r"|(?<!\bbe\s)(?<!\bbeing\s)(?<!\bget\s)(?<!\bget\sit\s)(?<!\bhave\sit\s)delivered\s+on)\s+(?:on\s+)?$",
    re.IGNORECASE,
)

Handler = Callable[[re.Match[str], date, str], tuple[date, dict] | None]


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _next_occurrence(today: date, month: int, day: int) -> tuple[date, dict] | None:
    this_year = _safe(today.year, month, day)
    for year in range(today.year, today.year + 9):
        found = _safe(year, month, day)
        if found and found >= today:
            extra = {}
            if this_year and this_year < today and (today - this_year).days <= 14:
                extra["recent_past"] = this_year.isoformat()
            return found, extra
    return None


def _with_year(today: date, month: int, day: int, year: str | None) -> tuple[date, dict] | None:
    if year:
        y = int(year)
        found = _safe(y + 2000 if y < 100 else y, month, day)
        return (found, {}) if found else None
    return _next_occurrence(today, month, day)


def _relative(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    word = re.sub(r"\s+", " ", m.group("w").lower())
    if word.startswith(("the day after", "day after")):
        return today + timedelta(days=2), {}
    return today + timedelta(days=_RELATIVE[word]), {}


def _in_n(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    raw = re.sub(r"\s+", " ", m.group("n").lower())
    n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    days = n * 7 if m.group("unit").lower().startswith("w") else n
    return (today + timedelta(days=days), {}) if 0 < days <= 366 else None


def _weekday(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    word = m.group("wd").lower()
    qual = re.sub(r"\s+", " ", (m.group("q") or "").lower())
    tail = re.sub(r"\s+", " ", (m.group("tail") or "").lower())
    if not qual and not tail and len(word) <= 3 and _NOT_WEEKDAY_BEFORE.search(m.string[: m.start()]):
        return None  # "the sun", "I sat on it"
    if not qual and _EVENT_BEFORE.search(m.string, 0, m.start()):
        return None
    wd = _WEEKDAYS[word]
    ahead = (wd - today.weekday()) % 7
    bare = today + timedelta(days=ahead or 7)
    if qual == "last" or (not qual and not tail and _PAST_BEFORE.search(m.string, 0, m.start())):
        return today - timedelta(days=(today.weekday() - wd) % 7 or 7), {}
    if qual in ("this", "this coming"):
        return today + timedelta(days=ahead), {}
    if qual in ("next", "nxt") or tail.endswith(("next week", "nxt wk")):
        next_week = today + timedelta(days=7 - today.weekday() + wd)
        return next_week, ({"alternative": bare.isoformat()} if bare != next_week else {})
    if tail == "week":
        return bare + timedelta(days=7), {}
    return bare, {}


def _weekend(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    wd = today.weekday()
    coming = today - timedelta(days=1) if wd == 6 else today + timedelta(days=5 - wd)  # Sun: this one
    sat, extra = coming, {}
    if (m.group("q") or "").lower() in ("next", "nxt"):
        sat = today + timedelta(days=7 - wd + 5)  # Saturday of next Monday-Sunday week
        if sat != coming:
            extra["alternative"] = max(coming, today).isoformat()
    start = max(sat, today)
    return start, {"end_date": (sat + timedelta(days=1)).isoformat(), **extra}


def _week_or_month(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    qual, unit = m.group("q").lower(), m.group("unit").lower()
    if unit.startswith("month"):
        step = {"this": 0, "last": -1}.get(qual, 1)
        first = today.replace(day=1) + relativedelta(months=step)
        last = first + relativedelta(months=1) - timedelta(days=1)
        return (today if step == 0 else first), {"end_date": last.isoformat()}
    if qual == "this":
        return today, {"end_date": (today + timedelta(days=6 - today.weekday())).isoformat()}
    monday = today - timedelta(days=today.weekday()) + timedelta(days=-7 if qual == "last" else 7)
    return monday, {"end_date": (monday + timedelta(days=6)).isoformat()}


def _ago(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    raw = re.sub(r"\s+", " ", m.group("n").lower())
    n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    unit = m.group("unit").lower()
    if unit.startswith("month"):
        return today - relativedelta(months=n), {}
    return today - timedelta(days=n * 7 if unit.startswith("w") else n), {}


def _day_only(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    if _NOT_AFTER_ORDINAL.match(m.string, m.end()):
        return None
    if _MONTH_AFTER.match(m.string, m.end()) or _MONTH_BEFORE.search(m.string, 0, m.start()):
        return None  # "the 31st of june": the day of a named month (_day_month), never the next 31st of another
    day = int(m.group("d"))
    for i in range(13):
        month0 = today.month - 1 + i
        found = _safe(today.year + month0 // 12, month0 % 12 + 1, day)
        if found and found >= today:
            return found, {}
    return None


def _day_month(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    month = _MONTHS[re.sub(r"\s+", " ", m.group("m").lower())]
    return _with_year(today, month, int(m.group("d")), m.group("y"))


def _numeric(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    if _QUANTITY_AFTER.match(m.string, m.end()):
        return None  # "2/3 parcels", "3/4 of them"
    a, b, year = int(m.group("a")), int(m.group("b")), m.group("y")
    day, month = (b, a) if region.upper() in MONTH_FIRST_REGIONS else (a, b)
    primary = _with_year(today, month, day, year)
    other = _with_year(today, day, month, year) if day != month else None
    if primary is None:
        return other
    if other is not None:
        primary[1]["alternative"] = other[0].isoformat()
    return primary


def _iso(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    found = _safe(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    return (found, {}) if found else None


def _holiday(m: re.Match[str], today: date, region: str) -> tuple[date, dict] | None:
    month, day = _HOLIDAYS[re.sub(r"\s+", " ", m.group("h").lower()).replace("’", "'")]
    return _next_occurrence(today, month, day)


_I = re.IGNORECASE
_DIGITS = frozenset({"<digit>"})  # trigger meaning "the message has a digit"
# (trigger words, pattern, handler): a rule only runs when one of its words is in the message.
_RULES: list[tuple[frozenset[str], re.Pattern[str], Handler]] = [
    (
        gate_words(_RELATIVE) | {"day"},
        re.compile(r"\b(?P<w>(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr|2moro)|" + _alt(_RELATIVE) + r")\b", _I),
        _relative,
    ),
    (
        frozenset({"in"}),
        re.compile(
            r"\bin\s+(?P<n>\d{1,3}|a\s+couple\s+of|couple\s+of|a\s+few|few|an?|one|two|three|four|five|six"
            r"|seven|eight|nine|ten)\s+(?P<unit>days?|weeks?|wks?)\b",
            _I,
        ),
        _in_n,
    ),
    (
        gate_words(_WEEKDAYS),
        re.compile(
            rf"\b(?:(?P<q>this\s+coming|this|next|nxt|coming|last|the\s+following|following)\s+)?"
            rf"(?P<wd>{_WD})\b\.?(?:\s+(?P<tail>(?:of\s+)?next\s+week|nxt\s+wk|week)\b)?",
            _I,
        ),
        _weekday,
    ),
    (
        frozenset({"weekend", "wkend", "week", "w"}),
        re.compile(r"\b(?:(?P<q>this|next|nxt|the)\s+)?(?:week-?end|wkend|w/e)\b", _I),
        _weekend,
    ),
    (
        frozenset({"week", "wk", "month"}),
        re.compile(r"\b(?P<q>this|next|nxt|last)\s+(?P<unit>week|wk|month)\b", _I),
        _week_or_month,
    ),
    (
        frozenset({"ago"}),
        re.compile(
            r"\b(?P<n>\d{1,3}|a\s+couple\s+of|couple\s+of|a\s+few|few|an?|one|two|three|four|five|six|seven|eight"
            r"|nine|ten)\s+(?P<unit>days?|weeks?|wks?|months?)\s+ago\b",
            _I,
        ),
        _ago,
    ),
    (_DIGITS, re.compile(rf"\b(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\b", _I), _day_only),
    (_DIGITS, re.compile(r"(?<=\bon\s)\s*the\s+(?P<d>\d{1,2})\b(?![:.,/]?\d)", _I), _day_only),
    (
        gate_words(_MONTHS),
        re.compile(
            rf"\b(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}?\s*(?:of\s+)?(?P<m>{_MON})\b\.?(?:,?\s+(?P<y>\d{{4}})\b)?", _I
        ),
        _day_month,
    ),
    (
        gate_words(_MONTHS),
        re.compile(
            rf"\b(?P<m>{_MON})\b\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:{_ORD})?\b(?:,?\s+(?P<y>\d{{4}})\b)?"
            rf"(?![:.]\d)",
            _I,
        ),
        _day_month,
    ),
    (
        _DIGITS,
        re.compile(r"(?<![\d/.:£$€#-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/]|[.:]\d)"),
        _numeric,
    ),
    (
        _DIGITS,
        re.compile(r"(?<![\d/.:£$€#-])(?P<a>\d{1,2})([-.])(?P<b>\d{1,2})\2(?P<y>\d{4}|\d{2})(?![\d/]|[.:-]\d)"),
        _numeric,
    ),
    (_DIGITS, re.compile(r"(?<![\d/.-])(?P<y>20\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d/]|[.:-]\d)"), _iso),
    (
        frozenset({"christmas", "xmas", "boxing", "new"}),
        re.compile(r"\b(?P<h>" + _alt(_HOLIDAYS).replace("'", "['’]?") + r")\b", _I),
        _holiday,
    ),
]


def extract(text: str, context: ParseContext) -> list[Candidate]:
    today = local_today(context)
    region = context.region or "GB"
    toks = tokens(text)
    digit = has_digit(text)
    out: list[Candidate] = []
    for trigger, pattern, handler in _RULES:
        if not (digit if trigger is _DIGITS else not trigger.isdisjoint(toks)):
            continue
        for m in pattern.finditer(text):
            got = handler(m, today, region)
            if got is None:
                continue
            found, extra = got
            out.append(cand("date", found.isoformat(), m.start(), m.end(), {"date": found.isoformat(), **extra}))
    return out
