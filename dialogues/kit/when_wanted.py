"""Which day and time a shopper wants, and which they said they are NOT in, from one message.

"im not in tmrw can u deliver on tuesday instead" names two days and wants one: the first date is the day
to avoid. The NLU gives every date and time window with its span (intents/entities, read-only here); the
words around each span say whether it is wanted or refused ("not in", "at work", "cant do" before it;
"no good", "doesn't work" after it). A refused day is never offered first: slot lists leave it out.
A day after "if it's" is a condition, not a wish ("if its tomorrow can u move it to monday afternoon").
A window next to a date belongs to it ("not monday morning"); "or"/"and" carry a refusal on ("not monday or
tuesday"). A clock time the NLU leaves alone ("like 6pm") and "after work" are read here as the hour from
that time and the evening.

Values are plain dicts {"date": ISO or None, "start": "HH:MM" or None, "end": ...}, so a journey keeps them
in its slots between turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dialogues.base import Turn
from intents.types import Entity

_I = re.IGNORECASE
# Where a clause starts: its words before a date belong to that date only.
_BOUNDARY = re.compile(
    r"[.,;!?()]|(?<![\w'’])(so|but|instead|can|could|would|will|pls|please|plz|then|because|cos|as|if)(?![\w'’])", _I
)
_NOT = (r"\b(not|never|no|nor|neither|except|apart from|other than|anything but|nobody|no one|noone|cannot|"
        r"(can|won|don|isn|aren|wasn|didn|doesn|haven|hasn|shan|wouldn|couldn|ain)'?t)\b")
_AWAY = (r"\b(away|busy|at work|in work|at the office|on holiday|on hols|on (a )?vacation|travell?ing|"
         r"working(?! from home)|out of town|out of the country|out all day|out all morning|out all afternoon|"
         r"out at work)\b"
         r"|\b(i'?m|im|i am|i'?ll be|ill be|i will be|we'?re|we are|we'?ll be|will be|be|been)\s+out\b")
_NEG_BEFORE = re.compile(f"{_NOT}|{_AWAY}", _I)
_NEG_AFTER = re.compile(
    r"^\s*(('?s|is|are|would be|will be|isn'?t|is not)\s+)?(no good|not good|bad|out|impossible|not possible|a no|"
    r"no|difficult|tricky|rubbish|a nightmare)\b"
    r"|^\s*(doesn'?t|does not|won'?t|wont|will not|isn'?t|is not|not|cant|can'?t)\s+(work|suit|do|good|possible|make)"
    r"|^\s*(i'?m|im|i am|i'?ll be|ill be|i will be|we'?re|we are|we'?ll be|i won'?t be|i wont be)\s+"
    r"(not|out|away|busy|at work|in work|working|on holiday|n'?t)",
    _I,
)
_POS_AFTER = re.compile(
    r"^\s*(('?s|is|would be|will be)\s+)?(good|fine|ok|okay|better|best|great|perfect|works|suits)\b|^\s*instead\b", _I
)
# "any day but friday": "but" starts a clause (_BOUNDARY), so the words before it say the day is the exception.
_ANY_BUT = re.compile(r"\b(?:any|every|anything|whenever|all)\s*(?:other\s+)?(?:day|days|time|week\s*day)?\s+"
                      r"but\s+(?:not\s+)?(?:on\s+)?(?:the\s+)?$", _I)
_SORRY = re.compile(r"\b(?:sorry|soz|sry|oops|my bad|i mean|i meant|instead|actually)\b", _I)
_OPENING_NO = re.compile(r"\W*(?:no|nah|nope|no\s+sorry|sorry\s+no)\W*", _I)
_CARRY = re.compile(r"^\s*(or|nor|and|&|/)\s*(on\s+)?(the\s+)?$", _I)
_ATTACHED = re.compile(r"^\s*(,\s*)?(in\s+the|on|at|from|-)?\s*$", _I)
_CLOCK = re.compile(r"(?<![\d:£$€.])\b(\d{1,2})(?:[:.]([0-5]\d))?\s*(am|pm)\b", _I)
_AFTER_WORK = re.compile(r"\b(after work|after school|after i finish|when i'?m back from work|tea ?time)\b", _I)
EVENING = ("17:00", "21:00")
# "if its tomorrow can u move it to monday": a day named as a condition is neither wanted nor refused.
_CONDITION = re.compile(
    r"\b(if|when|unless|in case)\s+(it'?s|its|it is|it'?ll be|it will be|it comes|it arrives|that'?s|thats|"
    r"delivery is|it'?s (?:coming|due|arriving)|its (?:coming|due|arriving)|it is (?:coming|due|arriving))\s+"
    r"(on\s+|for\s+)?$", _I)
# "after the 18th", "from monday", "not before the 15th", "when im back on the 20th", "away till friday", "the 20th
# onwards": not one day but the first day that will do (reschedule reads these; `read_wish(bounds=True)`).
_BOUND_BEFORE = re.compile(
    r"\b(?P<kind>not\s+before|no\s+earlier\s+than|before|not\s+(?:un)?till?|after|from|since|(?:un)?till?|untill|"
    r"back(?:\s+home)?(?:\s+on|\s+for)?|home(?:\s+on)?|return(?:ing)?(?:\s+on)?|get\s+back(?:\s+on)?)"
    r"\s+(?:on\s+)?(?:the\s+)?$", _I)
_BOUND_AFTER = re.compile(r"^\s*(?:onwards?|or\s+(?:later|after)|and\s+(?:later|after)|at\s+the\s+earliest)\b", _I)
_JUST_NOT = re.compile(_NOT, _I)
# "im away from friday" with nothing after it: friday and every day after is refused, not friday alone
_AWAY_FROM = re.compile(r"\bfrom\s+(?:on\s+)?(?:the\s+)?$", _I)
_OPEN_ENDED = re.compile(r"^\s*(?:$|[.,;!?]|(?:so|then|and|but|can|could|pls|please|onwards?)\b)", _I)
# "home until thursday then away", "before friday", "by wednesday", "no later than the 18th", "friday at the latest":
# not one day but the last that will do (`_latest`, the mirror of `_earliest`). "until" is a deadline only without an
# away or a not before it (those are `_earliest`'s), and not after a wait ("can it wait till monday" is Monday).
_DEADLINE_BEFORE = re.compile(
    r"(?<![\w'’])(?P<kind>before|by|no\s+later\s+than|(?:un)?till?|untill|up\s+(?:un)?till?|up\s+to)"
    r"\s+(?:on\s+)?(?:the\s+)?$", _I)
_DEADLINE_AFTER = re.compile(r"^\s*(?:at\s+the\s+latest|latest|or\s+(?:before|earlier|sooner))\b", _I)
# Words that make "by / before / until" no deadline: "the day before friday", "back by friday" (they are back then),
# "drop / stop / pop by on friday" (a visit that day; "can it come by friday" is a deadline),
# "wait / hold it / keep it until monday" (Monday or later), "not before", "can't do before friday".
_NO_DEADLINE = {
    "before": re.compile(r"\b(?:the|a|that)\s+(?:day|days|week|night|morning|evening|afternoon|weekend)\s+$", _I),
    "by": re.compile(r"\b(?:back|home|return|returning|get\s+back|got\s+back|arrive|arriving|land|landing)"
                     r"(?:\s+home)?\s+$|\b(?:drop|stop|pop|swing)\s+$", _I),
    "until": re.compile(r"\b(?:wait|hold|keep|save|delay|postpone|put\s+(?:it\s+)?off|push\s+it\s+back|leave\s+it"
                        r"|hang\s+on|hold\s+off)\b", _I),
}
# "away from the 14th to the 18th", "not in mon-wed": a refused day that runs on to a second one is every day between
_RANGE_TO = re.compile(r"^\s*(?:to|till|til|until|untill|through|thru|-|–)\s*(?:the\s+|on\s+)?$", _I)


@dataclass
class Wish:
    """What one message asks for: the wanted day/time (or None) and the days/times refused."""

    wanted: dict | None = None
    refused: list[dict] = field(default_factory=list)


@dataclass
class _Span:
    entity: Entity
    refused: bool = False
    date_of: int | None = None  # a window: the index of the date it is attached to
    earliest: str | None = None  # a date that is a lower bound ("after the 18th"): the first day that will do
    latest: str | None = None  # a date that is an upper bound ("before friday"): the last day that will do


def _clause_start(text: str, lo: int, hi: int) -> int:
    start = lo
    for hit in _BOUNDARY.finditer(text, lo, hi):
        start = hit.end()
    return start


def _refused(text: str, spans: list[_Span], i: int) -> bool:
    span, prev = spans[i], spans[i - 1] if i else None
    lo = prev.entity.end if prev else 0
    said_of_prev = _NEG_AFTER.search(text[lo: span.entity.start]) if prev else None
    if said_of_prev is not None:  # "tmrw no good fri ok?": the "no good" was the day before's (review 12)
        lo += said_of_prev.end()
    before = text[_clause_start(text, lo, span.entity.start): span.entity.start]
    nxt = spans[i + 1].entity.start if i + 1 < len(spans) else len(text)
    after = text[span.entity.end: nxt]
    if _NEG_AFTER.search(after) or _ANY_BUT.search(text[lo: span.entity.start]):
        return True
    if _NEG_BEFORE.search(before):
        # "no thursday sorry" is "no, thursday": a bare no opening the message, with an apology or "i meant" after
        # the day, corrects the answer before it. Without one, "no thursday (please / i work)" refuses it.
        return not (lo == 0 and _OPENING_NO.fullmatch(text[:span.entity.start]) and _SORRY.search(after))
    if _POS_AFTER.search(after):
        return False
    return bool(prev and prev.refused and _CARRY.match(text[prev.entity.end: span.entity.start]))


def _when(span: _Span) -> dict:
    e = span.entity
    if e.entity == "date":
        when = {"date": e.value[:10], "start": None, "end": None}
        last = (e.resolved or {}).get("end_date")  # "next week", "the weekend": every day of it, not its first
        if last and str(last)[:10] > when["date"]:
            when["to_date"] = str(last)[:10]
        return when
    resolved = e.resolved or {}
    return {"date": resolved.get("date"), "start": resolved.get("start"), "end": resolved.get("end")}


def _earliest(text: str, spans: list[_Span], i: int) -> str | None:
    """The first day a bounded date allows ("after the 18th": the 19th; "from / back on the 20th": the 20th),
    or None when the date is not a bound. "away till friday" is the day after (they may travel that day), "away
    until next week" its first day; "until" needs an away or a not before it ("home until thursday then away" and
    "any day till friday" are no bound); "not after the 18th" and "can't do the 18th or later" are refusals, left
    to their rules; "from monday to wednesday" is a span of days (`_ranges`), not a bound."""
    span = spans[i]
    lo = spans[i - 1].entity.end if i else 0
    clause = _clause_start(text, lo, span.entity.start)
    before = text[clause: span.entity.start]
    nxt = spans[i + 1].entity.start if i + 1 < len(spans) else len(text)
    when = _when(span)
    first, last = date.fromisoformat(when["date"]), date.fromisoformat(when.get("to_date") or when["date"])
    if i + 1 < len(spans) and spans[i + 1].entity.entity == "date" and _RANGE_TO.match(text[span.entity.end: nxt]):
        return None  # "from monday to wednesday"
    bound = _BOUND_BEFORE.search(before)
    if bound is None:
        if _BOUND_AFTER.match(text[span.entity.end: nxt]) and not _JUST_NOT.search(before):
            return first.isoformat()
        return None
    kind, earlier = " ".join(bound.group("kind").lower().split()), before[: bound.start()]
    if kind.startswith(("not ", "no ")):
        return first.isoformat()
    if kind == "before":  # "can't do before friday": friday on; "before friday" alone is a deadline (`_latest`)
        return first.isoformat() if _JUST_NOT.search(earlier) else None
    until = kind.startswith(("unt", "til"))
    away = bool(re.search(_AWAY, earlier, _I))
    if until and not (away or _JUST_NOT.search(earlier)):
        return None  # "home until thursday then away", "any day till friday": a deadline, not a first day
    if _JUST_NOT.search(earlier) and not until:
        return None  # "not after the 18th", "can't do from monday"
    if kind in ("from", "since") and away:
        return None  # "away from the 14th": when they go, not when they are back
    if kind == "after":
        return (last + timedelta(days=1)).isoformat()
    if until and away:  # "away till friday": the day after; "away until next week": that week
        return (first if when.get("to_date") else last + timedelta(days=1)).isoformat()
    return first.isoformat()


def _latest(text: str, spans: list[_Span], i: int) -> str | None:
    """The last day a deadline allows ("before friday": thursday; "by / until / no later than wednesday", "wednesday
    at the latest": wednesday; "before the weekend": the friday), or None when the date is no deadline. A deadline
    said after a not or an away is not one ("can't do before friday", "away until friday": `_earliest`'s)."""
    span = spans[i]
    lo = spans[i - 1].entity.end if i else 0
    if i and spans[i - 1].entity.entity == "date" and _RANGE_TO.match(text[lo: span.entity.start]):
        return None  # "from monday till wednesday": a span of days (`_ranges`)
    before = text[_clause_start(text, lo, span.entity.start): span.entity.start]
    nxt = spans[i + 1].entity.start if i + 1 < len(spans) else len(text)
    first = date.fromisoformat(_when(span)["date"])
    bound = _DEADLINE_BEFORE.search(before)
    if bound is None:
        after = _DEADLINE_AFTER.match(text[span.entity.end: nxt])
        return first.isoformat() if after and not _NEG_BEFORE.search(before) else None
    earlier, kind = before[: bound.start()], bound.group("kind").lower()
    kind = kind if kind in ("before", "by") else "until"
    if _NEG_BEFORE.search(earlier) or _NO_DEADLINE[kind].search(earlier):
        return None
    return (first - timedelta(days=1) if kind == "before" else first).isoformat()


def read_wish(turn: Turn, *, bounds: bool = False) -> Wish:
    """The day and time this message wants, and those it refuses. With `bounds`, a date said as a lower bound
    ("after the 18th", "back on the 20th") is wanted with every day after it (`onward`), unless a day is named."""
    text = turn.text
    spans = [_Span(e) for e in sorted(turn.nlu.entities, key=lambda e: e.start) if e.entity in ("date", "time_window")]
    for i, span in enumerate(spans):
        prev = spans[i - 1] if i else None
        if (span.entity.entity == "time_window" and prev is not None and prev.entity.entity == "date"
                and _ATTACHED.match(text[prev.entity.end: span.entity.start])):
            span.date_of, span.refused = i - 1, prev.refused or _refused(text, spans, i)
        elif bounds and span.entity.entity == "date" and (earliest := _earliest(text, spans, i)):
            span.earliest = earliest
        elif bounds and span.entity.entity == "date" and (latest := _latest(text, spans, i)):
            span.latest = latest
        else:
            span.refused = _refused(text, spans, i)
    wish = Wish()
    earliest = latest = None
    bound_days = {s.entity.value[:10] for s in spans if s.earliest or s.latest}
    ends = _ranges(text, spans)
    for i, span in enumerate(spans):
        lo = spans[i - 1].entity.end if i else 0
        if _CONDITION.search(text[lo: span.entity.start]) or i in ends.values():
            continue
        if span.earliest:
            earliest = max(earliest or span.earliest, span.earliest)
            continue
        if span.latest:
            latest = min(latest or span.latest, span.latest)
            continue
        when = _when(span)
        if i in ends:  # "away from the 14th to the 18th", "from monday to wednesday": every day of it
            when["to_date"] = spans[ends[i]].entity.value[:10]
        if span.date_of is not None:
            when["date"] = spans[span.date_of].entity.value[:10]
        if when["date"] is not None and when["date"] in bound_days and span.entity.entity == "time_window":
            when["date"] = None  # "after the 18th, mornings": the NLU gave the window the bound's own day
        if span.refused:
            if span.entity.entity == "date" and any(s.date_of == i and s.refused for s in spans):
                continue  # "not monday morning": the window below says which part of monday
            following = spans[i + 1].entity.start if i + 1 < len(spans) else len(text)
            if when.get("date") and _BOUND_AFTER.match(text[span.entity.end: following]):
                when["onward"] = True  # "can't do the 18th or later": that day and every one after
            elif (bounds and i not in ends and span.entity.entity == "date" and _OPEN_ENDED.match(
                    text[span.entity.end: following]) and _away_from(text, spans, i)):
                when["onward"] = True  # "im away from friday": friday and after
            wish.refused.append(when)
        elif wish.wanted is None or _completes(wish.wanted, when):
            wish.wanted = when if wish.wanted is None else _merge(wish.wanted, when)
    _clock_fallback(turn, wish, spans)
    if (earliest or latest) and not (wish.wanted or {}).get("date"):
        base = wish.wanted or {"start": None, "end": None}
        if earliest and latest:  # "after the 14th but before the 18th": every day between
            wish.wanted = {**base, "date": earliest, "to_date": max(earliest, latest)}
        else:
            wish.wanted = {**base, "date": earliest or latest, "onward" if earliest else "upto": True}
    return wish


def _away_from(text: str, spans: list[_Span], i: int) -> bool:
    lo = spans[i - 1].entity.end if i else 0
    before = text[_clause_start(text, lo, spans[i].entity.start): spans[i].entity.start]
    return bool(_AWAY_FROM.search(before) and re.search(_AWAY, before, _I))


def _ranges(text: str, spans: list[_Span]) -> dict[int, int]:
    """A date followed by "to / till / -" and a later date ("away from the 14th to the 18th", "any day from monday
    to wednesday"): {the first's index: the last's}; every day between is refused or wanted as the first is."""
    out = {}
    for i, span in enumerate(spans[:-1]):
        nxt = spans[i + 1]
        if (not span.earliest and span.entity.entity == "date" and nxt.entity.entity == "date"
                and nxt.entity.value[:10] > span.entity.value[:10]
                and _RANGE_TO.match(text[span.entity.end: nxt.entity.start])):
            out[i] = i + 1
    return out


def _completes(wanted: dict, when: dict) -> bool:
    """A second wanted value that only adds the part the first lacks ("tuesday ... after 5")."""
    if wanted.get("start") is None and when.get("start") and when.get("date") in (None, wanted.get("date")):
        return True
    return wanted.get("date") is None and when.get("date") is not None and when.get("start") is None


def _merge(wanted: dict, when: dict) -> dict:
    merged = {"date": wanted.get("date") or when.get("date"), "start": wanted.get("start") or when.get("start"),
              "end": wanted.get("end") or when.get("end")}
    last = wanted.get("to_date") if wanted.get("date") else when.get("to_date")
    return {**merged, "to_date": last} if last else merged


def _clock_fallback(turn: Turn, wish: Wish, spans: list[_Span]) -> None:
    """'like 6pm' / 'after work' with no time window from the NLU: the hour from that time / the evening."""
    if any(s.entity.entity == "time_window" for s in spans) or (wish.wanted or {}).get("start"):
        return
    text, window = turn.text, None
    clock = _CLOCK.search(text)
    if clock:
        hour = int(clock.group(1)) % 12 + (12 if clock.group(3).lower() == "pm" else 0)
        minutes = int(clock.group(2) or 0)
        window = (f"{hour:02d}:{minutes:02d}", f"{min(hour + 1, 23):02d}:{minutes:02d}")
        where = clock.start()
    elif _AFTER_WORK.search(text):
        window, where = EVENING, _AFTER_WORK.search(text).start()
    if window is None or _NEG_BEFORE.search(text[_clause_start(text, 0, where): where]):
        return
    base = wish.wanted or {"date": None}
    wish.wanted = {"date": base.get("date"), "start": window[0], "end": window[1]}


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def fits(when: dict, start: datetime, end: datetime) -> bool:
    """Does a window (local start and end) fall on this day and overlap this time, where they are given?"""
    if when.get("date") and when.get("onward"):  # "after the 18th": that day or any later one
        if start.date() < date.fromisoformat(when["date"]):
            return False
    elif when.get("date") and when.get("upto"):  # "before friday": that thursday or any earlier day
        if start.date() > date.fromisoformat(when["date"]):
            return False
    elif when.get("date") and when.get("to_date"):  # a span of days ("next week")
        if not date.fromisoformat(when["date"]) <= start.date() <= date.fromisoformat(when["to_date"]):
            return False
    elif when.get("date") and start.date() != date.fromisoformat(when["date"]):
        return False
    if when.get("start") and when.get("end"):
        lo, hi = _minutes(when["start"]), _minutes(when["end"])
        return min(hi, end.hour * 60 + end.minute) - max(lo, start.hour * 60 + start.minute) > 0
    return True


def exact(when: dict, start: datetime, end: datetime) -> bool:
    """The window is exactly the time asked for ("08:00-12:00" for "morning")."""
    if not (when.get("start") and when.get("end")):
        return False
    return (start.hour * 60 + start.minute, end.hour * 60 + end.minute) == (_minutes(when["start"]),
                                                                            _minutes(when["end"]))


def is_refused(refused: list[dict], start: datetime, end: datetime) -> bool:
    return any(fits(r, start, end) for r in refused if r.get("date") or r.get("start"))
