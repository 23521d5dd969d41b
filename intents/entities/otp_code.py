"""One-time codes: 4-8 digits presented as a code ("code is 118 204", "482913 is my code"),
or a message that is nothing but a 6-digit number (a candidate the dialogue may accept).

Groups split by a space or dash are joined ("4829 13" -> "482913"). "zip code", "post code",
"promo code", "gate code", "entry code" and friends are not one-time codes (a gate code belongs in a
delivery note, never in verification).
"""

from __future__ import annotations

import re

from intents.entities._base import Candidate, cand, has_digit

_CODE_WORD = r"(?:one[\s-]?time\s+(?:pass)?code|verification\s+code|security\s+code|passcode|code|otp|pin)"
_DIGITS = r"(?P<d>\d{1,8}(?:[ -]\d{1,8}){0,3})"
_CUE_FIRST = re.compile(
    rf"(?<!\w)(?P<w>{_CODE_WORD})(?:\s+(?:(?:you|u|they)\s+)?(?:sent|texted|gave|got)(?:\s+me)?)?"
    rf"(?:\s+(?:is|was|number))?\s*(?::|=|-|is)?\s*{_DIGITS}(?![\d:/.,]\d|\d)",
    re.IGNORECASE,
)
_DIGITS_FIRST = re.compile(
    rf"(?<![\w£$€#:/.-]){_DIGITS},?\s+(?:is|was|that'?s|thats|it'?s|its)\s+(?:my|the)\s+(?:{_CODE_WORD})\b",
    re.IGNORECASE,
)
_BARE = re.compile(r"^\s*(?P<d>\d{3}[ -]?\d{3})\s*[.!]?\s*$")
_NOT_OTP_BEFORE = re.compile(
    r"\b(?:zip|post|postal|area|promo|promotion|discount|voucher|coupon|gift|tracking|dialling|dialing"
    r"|country|sort|tax|referral|reference|order|product|item|gate|entry|door|intercom|access|building|alarm"
    r"|lock|key|keypad|buzzer|complex|lockbox|garage|wifi|qr|bar)\s*$",
    re.IGNORECASE,
)


def _digits(raw: str) -> str | None:
    value = re.sub(r"\D", "", raw)
    return value if 4 <= len(value) <= 8 else None


def extract(text: str) -> list[Candidate]:
    if not has_digit(text):
        return []
    out: list[Candidate] = []
    for m in _CUE_FIRST.finditer(text):
        if _NOT_OTP_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue
        value = _digits(m.group("d"))
        if value:
            out.append(cand("otp_code", value, m.start("d"), m.end("d"), {"source": "cue"}))
    for m in _DIGITS_FIRST.finditer(text):
        value = _digits(m.group("d"))
        if value:
            out.append(cand("otp_code", value, m.start("d"), m.end("d"), {"source": "cue"}))
    bare = _BARE.match(text)
    if bare:
        value = re.sub(r"\D", "", bare.group("d"))
        out.append(cand("otp_code", value, bare.start("d"), bare.end("d"), {"source": "bare"}))
    return out
