"""Phone numbers via libphonenumber, normalised to E.164, read in the merchant's region.

A number libphonenumber calls valid is always taken. A merely *possible* one (right length, unassigned
or reserved range such as Ofcom's 07700 900xxx or the US 555-01xx) is taken only when typed with a "+",
written the way phones are ("07700 900123", "(212) 555-0147", "646-555-0118": 10-11 digits with a
leading 0 or bracket or grouped by separators) or introduced by a phone word ("call me on"), so long
order or reference numbers are not read as phones.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from intents.context import ParseContext
from intents.entities._base import Candidate, cand

_DIGIT = re.compile(r"\d")
_RUN = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")  # a digit run as phones are typed, separators allowed
_MIN_DIGITS = 7  # shortest real subscriber numbers; cheaper than running the matcher on every message
_PHONE_SHAPED = re.compile(r"0\d{3,4}[ -]?\d{3}[ -]?\d{3,4}|\(\d{3}\) ?\d{3}[ -.]\d{4}|\d{3}[-.]\d{3}[-.]\d{4}")
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
    region = (context.region or "GB").upper()
    out: list[Candidate] = []
    for run in _RUN.finditer(text):
        start, end = run.span()
        if len(_DIGIT.findall(run.group())) < _MIN_DIGITS or _glued(text, start, end):
            continue
        # The matcher is the slow part; give it only the digit run, not the whole message.
        for match in PhoneNumberMatcher(text[start:end], region, leniency=Leniency.POSSIBLE):
            m_start, m_end = start + match.start, start + match.end
            cue = _phone_cue(text[max(0, m_start - 30) : m_start])
            if not (
                phonenumbers.is_valid_number(match.number)
                or match.raw_string.startswith("+")
                or _PHONE_SHAPED.fullmatch(match.raw_string)
                or cue
            ):
                continue
            if not cue and _missing_trunk_zero(match.raw_string, region):
                continue
            e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
            out.append(cand("phone_number", e164, m_start, m_end))
    return out


def _missing_trunk_zero(raw: str, region: str) -> bool:
    """Where national numbers start with 0 (GB, most of Europe), nobody types one without it, so a bare
    "1234567890" is an account or order number; in the US, where the trunk "1" is optional, it is a phone."""
    if not _trunk_zero(region) or raw.lstrip().startswith(("+", "00")):
        return False
    return not raw.lstrip("( ").startswith("0")


@lru_cache(maxsize=64)
def _trunk_zero(region: str) -> bool:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return meta is not None and meta.national_prefix == "0"


def _glued(text: str, start: int, end: int) -> bool:
    """Digits stuck to letters ("PB123456789GB", "1Z999...") are ids, not phone numbers."""
    return text[start - 1 : start].isalpha() or text[end : end + 1].isalpha()


def _phone_cue(before: str) -> bool:
    return bool(_CUE.search(before)) and not _OTHER_NUMBER.search(before)
