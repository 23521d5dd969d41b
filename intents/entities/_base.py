"""Shared plumbing for the entity extractors: candidates, overlap resolution, the merchant clock.

Each extractor proposes ``Candidate`` spans; ``resolve`` keeps the most specific non-overlapping set.
Kept separate from ``Entity`` because candidates carry a priority and are mutated while linking.
"""

from __future__ import annotations

import logging
import re
import re._constants as _sre  # the parsed form of a pattern: re has no public one
import re._parser as _parser
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import regex

from intents.context import ParseContext
from intents.types import Entity

log = logging.getLogger(__name__)

# Higher wins when spans overlap: structured, self-validating formats beat cue-based numbers, which beat
# dates and times, which beat free-text descriptions (those are trimmed around winners instead).
PRIORITY: dict[str, int] = {
    "email": 100,
    "tracking_number": 95,
    "phone_number": 90,
    "order_number": 85,
    "postcode": 80,
    "otp_code": 75,
    "zip_code": 70,
    "date": 60,
    "time_window": 55,
    "house_number": 50,
    "neighbour": 40,
    "safe_place": 30,
}

# Words that make a preceding number a count, not an identifier ("2 parcels", "3-4 days").
QUANTITY_NOUNS = (
    r"(?:parcels?|packages?|items?|boxes|box|bags?|orders?|things?|pieces?|pcs|deliver(?:y|ies)|units?"
    r"|days?|weeks?|wks?|hours?|hrs?|mins?|minutes?|months?|years?|times?|of)"
)


@dataclass(slots=True)
class Candidate:
    entity: str
    value: str
    start: int
    end: int
    priority: int
    resolved: dict[str, Any] | None = None
    alternatives: list[dict[str, str]] = field(default_factory=list)

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end

    def to_entity(self) -> Entity:
        resolved = self.resolved
        if self.alternatives:
            resolved = {**(resolved or {}), "alternatives": list(self.alternatives)}
        return Entity(self.entity, self.value, self.start, self.end, resolved)


def cand(
    entity: str, value: str, start: int, end: int, resolved: dict[str, Any] | None = None, bonus: int = 0
) -> Candidate:
    return Candidate(entity, value, start, end, PRIORITY[entity] + bonus, resolved)


def resolve(cands: list[Candidate]) -> list[Candidate]:
    """Greedy by (priority, length): a kept span is never overlapped by a less specific one.

    A loser with exactly the same span is remembered on the winner as an alternative, so a dialogue that
    is waiting for, say, a code can still read it ("482913" alone: order number or one-time code?).
    """
    kept: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (-c.priority, c.start - c.end, c.start)):
        clash = next((k for k in kept if k.overlaps(c)), None)
        if clash is None:
            kept.append(c)
        elif clash.start == c.start and clash.end == c.end and clash.entity != c.entity:
            clash.alternatives.append({"entity": c.entity, "value": c.value})
    kept.sort(key=lambda c: c.start)
    return kept


_TOKEN = re.compile(r"[a-z]+|[0-9]+")


@lru_cache(maxsize=32)
def tokens(text: str) -> frozenset[str]:
    """Lower-case letter runs and digit runs ("28nov" -> 28, nov), used only to skip extractors cheaply.

    Cached because every extractor asks for the same message; offsets never come from here.
    """
    return frozenset(_TOKEN.findall(text.lower()))


def trigger_words(*regex_sources: str) -> frozenset[str]:
    """The literal words in regex sources, to gate a rule on "could this message possibly match?".

    Over-inclusive by design (a spare word only costs a regex run); escapes and group names are dropped.
    """
    words: set[str] = set()
    for src in regex_sources:
        src = re.sub(r"\(\?P<\w+>|\(\?[-a-zA-Z]*:", " ", src)
        joined = re.sub(r"\\s[*?]", "", src)  # "car\s*port" may be typed "carport"
        for variant in (src, joined):
            variant = re.sub(r"\\[a-zA-Z]|\{[^}]*\}", " ", variant)
            words.update(w for w in re.findall(r"[a-z0-9]+", variant.lower()) if len(w) > 1)
    return frozenset(words)


def gate_words(words: Iterable[str]) -> frozenset[str]:
    """Gate tokens for a vocabulary: the longest letter run of each entry ("2moro" -> "moro")."""
    out = set()
    for word in words:
        letters = re.findall(r"[a-z]+", word.lower())
        if letters:
            out.add(max(letters, key=len))
    return frozenset(out)


def word_set(spaced: str) -> frozenset[str]:
    """frozenset from a space-separated literal; keeps long word lists readable."""
    return frozenset(spaced.split())


# Words that end a street name: after a number they make it an address ("12345 main st", "at 5 acacia avenue").
STREET_WORDS = word_set(
    "street st avenue ave road rd lane ln drive dr boulevard blvd way court ct close crescent cres place pl"
    " terrace grove gardens gdns mews square sq parade row walk hill highway hwy parkway pkwy"
)
STREET_WORD = rf"(?:{'|'.join(sorted(STREET_WORDS, key=len, reverse=True))})\b"


def has_digit(text: str) -> bool:
    return any(t[0].isdigit() for t in tokens(text))


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown merchant time zone %r; resolving dates in UTC", name)
        return ZoneInfo("UTC")


def local_now(context: ParseContext) -> datetime:
    """``context.now`` seen from the merchant's zone (a naive ``now`` is taken as already local)."""
    tz = zone(context.timezone)
    now = context.now
    if now is None:
        return datetime.now(tz)
    if now.tzinfo is None:
        return now.replace(tzinfo=tz)
    return now.astimezone(tz)


def local_today(context: ParseContext) -> date:
    return local_now(context).date()


# How long a merchant's pattern may run on one message. Patterns are compiled with the `regex` package, whose
# matcher takes a timeout (Python's `re` has none): runaway_repeat refuses the commonest runaway shape up front, but
# not every one ("(?:a|aa)+x" has no repeat inside a repeat and is as slow); the timeout bounds whatever is left.
MERCHANT_PATTERN_SECONDS = 0.05


@lru_cache(maxsize=128)
def compile_merchant(pattern: str) -> regex.Pattern[str] | None:
    """Compile a merchant-supplied regex once; a broken or runaway one (see runaway_repeat) is logged and
    ignored, never fatal."""
    try:
        re.compile(pattern)  # the settings' own check: a pattern `re` refuses is refused here too
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)  # VERSION0: `re`'s syntax
    except (re.error, regex.error) as exc:
        log.warning("ignoring invalid merchant pattern %r: %s", pattern, exc)
        return None
    if runaway_repeat(pattern):
        log.warning("ignoring merchant pattern %r: a repeat inside a repeat", pattern)
        return None
    return compiled


_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)


def runaway_repeat(pattern: str) -> bool:
    """A repeat of varying length inside another ("(\\d+)+x", "(\\w{1,9})*"): Python's matcher tries every way
    to split the text between them, twice as many with each character, and holds the interpreter meanwhile.
    A merchant's pattern runs on every shopper message: 30 digits took minutes of a worker shared by every
    merchant. Fixed counts ("\\d{9}"), possessive repeats and atomic groups don't backtrack, so they may nest."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return False  # compile says what is wrong with it
    return _nested(parsed.data, inside=False)


def _nested(items: Any, *, inside: bool) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            low, high, body = arg
            varies = low != high
            many = varies and high > 1  # "?" takes its body once or not at all: nothing to split
            if (varies and inside) or _nested(body, inside=inside or many):
                return True
        elif any(_nested(part, inside=inside) for part in _parts(op, arg)):
            return True
    return False


def _parts(op: Any, arg: Any) -> list[Any]:
    """The sub-patterns of a group, an alternation, a lookaround or a conditional (repeats are handled above)."""
    if op is _sre.SUBPATTERN:
        return [arg[3]]
    if op is _sre.BRANCH:
        return list(arg[1])
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [arg[1]]
    if op is _sre.GROUPREF_EXISTS:
        return [part for part in arg[1:] if part is not None]
    return []


def merchant_matches(pattern: regex.Pattern[str], text: str) -> list[tuple[str, int, int]]:
    """(raw value, start, end) per match: the ``id`` group, else group 1, else the whole match. A pattern that runs
    past MERCHANT_PATTERN_SECONDS on this text finds nothing (logged): the built-in extractors still run."""
    out = []
    try:
        found = list(pattern.finditer(text, timeout=MERCHANT_PATTERN_SECONDS))
    except TimeoutError:
        log.warning("merchant pattern %r ran past %.2f s on a %d-character message: ignored for it",
                    pattern.pattern, MERCHANT_PATTERN_SECONDS, len(text))
        return []
    for m in found:
        if "id" in pattern.groupindex:
            g: int | str = "id"
        elif pattern.groups:
            g = 1
        else:
            g = 0
        if m.group(g) is None or m.start(g) == m.end(g):
            continue
        out.append((m.group(g), m.start(g), m.end(g)))
    return out
