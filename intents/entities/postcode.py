"""UK postcodes, typed any way ("m14bt", "Sw1a 1aa"), normalised to "M1 4BT".

A loose finder proposes outward+inward pairs; the official format regex (UK Government Data Standards
Catalogue) decides. On top of it the inward unit letters must avoid C, I, K, M, O and V (BS 7666),
which also stops SMS-speak like "b4 5pm" reading as a Birmingham postcode.
"""

from __future__ import annotations

import re

from intents.entities._base import Candidate, cand

_FINDER = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<gir>gir ?0aa)|(?P<out>[A-Za-z]{1,2}\d[A-Za-z\d]?) ?(?P<in>\d[A-Za-z]{2}))"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# The official pattern, applied to the upper-cased, single-spaced candidate.
_OFFICIAL = re.compile(
    r"^(?:GIR 0AA|(?:[A-Z][0-9]{1,2}|[A-Z][A-HJ-Y][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z][A-HJ-Y][0-9][A-Z]?)"
    r" [0-9][A-Z]{2})$"
)
_INWARD_LETTERS = re.compile(r"[0-9][ABD-HJLNP-UW-Z]{2}$")


def normalise(raw: str) -> str | None:
    """Canonical "OUT IN" form, or None when the text is not a valid UK postcode."""
    compact = re.sub(r"\s+", "", raw).upper()
    if len(compact) < 5 or len(compact) > 7:
        return None
    pc = f"{compact[:-3]} {compact[-3:]}"
    if not _OFFICIAL.match(pc) or (pc != "GIR 0AA" and not _INWARD_LETTERS.search(pc)):
        return None
    return pc


def extract(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _FINDER.finditer(text):
        pc = normalise(m.group(0))
        if pc:
            out.append(cand("postcode", pc, m.start(), m.end()))
    return out
