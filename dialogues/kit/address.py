"""A new delivery address as a validated value, and what is still missing or contradictory in it.

Why: a label is printed from these parts and a driver reads them, so a Leeds postcode must never go out with
the town Manchester, and a first line must be a first line (review D9). `review` completes the town from
the postcode where the table is sure (backend/postal.py), and says the one thing to ask next, keeping
everything that was given. Reading the parts out of a message is dialogues/kit/address_text.py.
Channel-free: no Turn, no wording, no carrier.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from backend import postal

PART_MAX = 100  # characters in one address line (a label's line is about this long at most)


@dataclass(frozen=True)
class NewAddress:
    """The parts of an address a shopper gave (None: not given yet). `state` is a US state's USPS code."""

    line1: str | None = None
    line2: str | None = None
    town: str | None = None
    postcode: str | None = None
    country: str | None = None
    state: str | None = None

    @classmethod
    def from_slots(cls, data: dict[str, Any] | None) -> NewAddress:
        data = data or {}
        return cls(**{f.name: data.get(f.name) or None for f in fields(cls)})

    def to_slots(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    def merged(self, newer: NewAddress) -> NewAddress:
        """The last word wins: every part given again replaces the one before, the rest is kept."""
        return replace(self, **{k: v for k, v in asdict(newer).items() if v})

    def without(self, *names: str) -> NewAddress:
        return replace(self, **dict.fromkeys(names))

    @property
    def empty(self) -> bool:
        return not (self.line1 or self.line2 or self.town or self.postcode)

    def one_line(self) -> str:
        """The whole address as it is read back: "Flat 2, 18 Park Row, Leeds LS1 5HD", "5 Elm St, Austin, TX 78701"."""
        if self.state:
            place = ", ".join(p for p in (self.town, f"{self.state} {self.postcode or ''}".strip()) if p)
        else:
            place = " ".join(p for p in (self.town, self.postcode) if p)
        return ", ".join(p for p in (self.line1, self.line2, place) if p)

    def params(self) -> dict[str, str]:
        """As the carrier contract takes it (Address: line1, line2, city, postcode, country); a US state rides in
        the city line ("Austin, TX"), the way it is written on a label."""
        city = f"{self.town}, {self.state}" if self.town and self.state else (self.town or "")
        out = {"line1": self.line1 or "", "line2": self.line2 or "", "city": city, "postcode": self.postcode or "",
               "country": self.country or ""}
        return {k: v for k, v in out.items() if v}


# -- checking it ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Review:
    """What to do next with an address: ask for one missing part, settle a contradiction, or read it back.

    `expected`/`given`: the postcode says one town (or state) and the shopper another; `place` names the
    postcode's area for the question ("LS1 is Leeds, not Manchester: which is right?")."""

    address: NewAddress
    need: str | None = None  # "address" | "postcode" | "line1" | "town"
    expected: str | None = None
    given: str | None = None
    place: str | None = None
    too_long: bool = False

    @property
    def complete(self) -> bool:
        return self.need is None and self.expected is None and not self.too_long


def review(address: NewAddress, *, country: str, town_hint: str | None = None) -> Review:
    """Complete what the table is sure of (the town from the postcode, its usual spelling) and say what
    still has to be asked. `country`: the parcel's, for an address that doesn't say."""
    a = replace(address, country=address.country or country)
    if any(len(v) > PART_MAX for v in (a.line1, a.line2, a.town) if v):
        return Review(a, too_long=True)
    if a.empty:
        return Review(a, need="address")
    if not a.postcode:
        return Review(a, need="postcode")
    settled = _settle_us(a) if a.country == "US" else _settle_uk(a, town_hint)
    if not settled.complete:
        return settled
    a = settled.address
    if not a.line1:
        return Review(a, need="line1")
    if not a.town:
        return Review(a, need="town")
    return Review(a)


def _settle_uk(a: NewAddress, hint: str | None) -> Review:
    postcode = a.postcode or ""
    place = postal.outward(postcode)
    if a.town:
        spelled = postal.town_in_area(a.town, postcode)
        if spelled:
            return Review(replace(a, town=spelled))
        if postal.known_town(a.town) and postal.post_towns(postcode):
            return Review(a, expected=_expected_town(postcode), given=tidy(a.town), place=place)
        # A district or village ("Didsbury"): kept as line 2, and the post town comes from the postcode.
        line2 = ", ".join(p for p in (a.line2, tidy(a.town)) if p)
        a = replace(a, line2=line2, town=None)
    elif hint and postal.post_towns(postcode):
        spelled = postal.town_in_area(hint, postcode)
        if not spelled:
            return Review(a, expected=_expected_town(postcode), given=hint, place=place)
        return Review(replace(a, town=spelled))
    return Review(replace(a, town=postal.post_town_for(postcode)))


def _expected_town(postcode: str) -> str:
    """The post town of the postcode, or else its area's main town (listed first)."""
    return postal.post_town_for(postcode) or postal.post_towns(postcode)[0]


def _settle_us(a: NewAddress) -> Review:
    zip_state = postal.state_for_zip(a.postcode or "")
    if a.state and zip_state and a.state != zip_state:
        return Review(a, expected=postal.state_name(zip_state), given=postal.state_name(a.state),
                      place=a.postcode)
    return Review(replace(a, state=a.state or zip_state))


def settle(address: NewAddress, *, keep_postcode: bool, expected: str) -> NewAddress:
    """The shopper's answer to "which is right?": the postcode (so the town or state it says), or the town
    they gave (so the postcode goes, to be asked for again)."""
    if not keep_postcode:
        return address.without("postcode")
    if address.country == "US":
        return replace(address, state=postal.state_code(expected))
    return replace(address, town=expected)


def in_area(postcode: str, area: str) -> bool:
    """Whether a postcode lies in a carrier's delivery area: a UK outward code ("M1"), or a ZIP's first digits."""
    if postal.uk_postcode(postcode):
        return postal.outward(postcode) == area.replace(" ", "").upper()
    return re.sub(r"\D", "", postcode).startswith(re.sub(r"\D", "", area))


def tidy(part: str) -> str:
    """ "20 deansgate" -> "20 Deansgate" (typed all in lower case); anything else as typed."""
    return part.title() if part == part.lower() else part
