"""Phone numbers via libphonenumber, normalised to E.164, read in the merchant's region.

A number libphonenumber calls valid is always taken. A merely *possible* one (right length, unassigned
or reserved range such as Ofcom's 07700 900xxx) is taken only when typed with a "+" or introduced by a
phone word ("call me on", "my mobile is"), so long order or reference numbers are not read as phones.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from intents.context import ParseContext
from intents.entities._base import Candidate, cand

_DIGIT = re.compile(r"\d")
_MIN_DIGITS = 7  # shortest real subscriber numbers; cheaper than running the matcher on every message
_CUE = re.compile(
    r"\b(?:phone|mobile|mob|cell|tel|telephone|landline|number|no\.?|call|ring|text|sms|whatsapp|contact|reach)"
    r"\b[^\d]{0,16}$",
    re.IGNORECASE,
)
_OTHER_NUMBER = re.compile(
    r"\b(?:order|tracking|ref|reference|account|parcel|house|invoice|confirmation|item|case)\s+(?:number|no\.?)",
    re.IGNORECASE,
)


def extract(text: str, context: ParseContext) -> list[Candidate]:
    if len(_DIGIT.findall(text)) < _MIN_DIGITS:
        return []
    region = (context.region or "GB").upper()
    out: list[Candidate] = []
    for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
        if not (
            phonenumbers.is_valid_number(match.number)
            or match.raw_string.startswith("+")
            or _phone_cue(text[max(0, match.start - 30) : match.start])
        ):
            continue
        e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        out.append(cand("phone_number", e164, match.start, match.end))
    return out


def _phone_cue(before: str) -> bool:
    return bool(_CUE.search(before)) and not _OTHER_NUMBER.search(before)
