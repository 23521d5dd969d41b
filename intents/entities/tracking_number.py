"""Carrier tracking numbers: UPU S10 (PB123456789GB), UPS 1Z, and long digit runs after "tracking".

Bare 10-22 digit runs are only accepted after the word "tracking" because on their own they are far
more often phone numbers, card fragments or order numbers.
"""

from __future__ import annotations

import re

from intents.context import ParseContext
from intents.entities._base import Candidate, cand, compile_merchant, merchant_matches

# Spaced S10 ("PB 123 456 789 GB") only in capitals: in lower case "on 123 456 789 or" would match.
_S10 = r"(?P<s10>[A-Z]{2} ?\d{3} ?\d{3} ?\d{3} ?[A-Z]{2}|(?i:[A-Z]{2}\d{9}[A-Z]{2}))"
_UPS = r"(?P<ups>(?i:1Z(?: ?[A-Z0-9]){16}))"
_CUED = (
    r"(?i:(?:tracking|trk)(?:\s+(?:no\.?|num(?:ber)?|nbr|\#|id|ref(?:erence)?|code))?\s*(?:is|:|=|-)?\s*\#?\s*"
    r"(?P<cued>[A-Z0-9]{2,}(?:[ -]\d{3,})*))"
)
_DEFAULT = re.compile(rf"\b(?:{_S10}|{_UPS})\b|\b{_CUED}\b")
_S10_FULL = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_ok(serial: str) -> bool:
    """UPU S10 check digit over the 8-digit serial; informative only (test data rarely passes it)."""
    check = 11 - sum(int(d) * w for d, w in zip(serial[:8], _S10_WEIGHTS, strict=True)) % 11
    check = {10: 0, 11: 5}.get(check, check)
    return check == int(serial[8])


def extract(text: str, context: ParseContext) -> list[Candidate]:
    if context.tracking_number_pattern:
        pattern = compile_merchant(context.tracking_number_pattern)
        if pattern is not None:
            return [
                cand("tracking_number", re.sub(r"[\s-]", "", raw).upper(), s, e, {"format": "merchant"})
                for raw, s, e in merchant_matches(pattern, text)
            ]
    out: list[Candidate] = []
    for m in _DEFAULT.finditer(text):
        if m.group("s10"):
            value = m.group("s10").replace(" ", "").upper()
            resolved = {"format": "upu_s10", "check_digit_ok": s10_check_ok(value[2:11])}
            out.append(cand("tracking_number", value, m.start("s10"), m.end("s10"), resolved))
        elif m.group("ups"):
            value = m.group("ups").replace(" ", "").upper()
            out.append(cand("tracking_number", value, m.start("ups"), m.end("ups"), {"format": "ups"}))
        else:
            raw = m.group("cued")
            value = re.sub(r"[\s-]", "", raw).upper()
            if _S10_FULL.fullmatch(value):
                fmt = "upu_s10"
            elif value.startswith("1Z") and len(value) == 18:
                fmt = "ups"
            elif value.isdigit():
                fmt = "digits"
            elif raw.isalnum() and sum(c.isdigit() for c in value) >= 6:
                fmt = "alnum"  # e.g. courier ids like H00A1B2C3D4E5F67, only ever after "tracking"
            else:
                continue
            if 10 <= len(value) <= 22:
                resolved: dict[str, object] = {"format": fmt}
                if fmt == "upu_s10":
                    resolved["check_digit_ok"] = s10_check_ok(value[2:11])
                out.append(cand("tracking_number", value, m.start("cued"), m.end("cued"), resolved))
    return out
