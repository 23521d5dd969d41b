"""Order numbers: "#100234", "order 100234", "order no. 55821", "ord-20931", or a merchant regex.

Defaults need a cue (#, "order", "ord-") and 4+ digits, which is what keeps prices, times, dates,
quantities, house numbers and codes out. The same guards also run on merchant patterns, because a
merchant's "\\d{6}" would otherwise swallow every one-time code and price in the message.
"""

from __future__ import annotations

import re

from intents.context import ParseContext
from intents.entities._base import QUANTITY_NOUNS, Candidate, cand, compile_merchant, merchant_matches

_DEFAULT = re.compile(
    r"(?<![\w#&])\#\s?(?P<hash>\d{4,12})\b"
    r"|\border(?:\s+(?:no\.?|num(?:ber)?|nbr|nr|ref(?:erence)?|id))?(?:'s|\s+(?:is|was))?\s*[:#=]?\s*\#?\s*"
    r"(?P<cued>(?:[A-Z]{1,4}-?)?\d{4,12})\b"
    r"|\b(?P<prefixed>ord-?\s?\d{4,12})\b",
    re.IGNORECASE,
)

# Things a number next to these cannot be an order number.
_BEFORE_BAD = re.compile(
    r"(?:[£$€]\s*|\d[:/.]|(?:code|otp|pin|passcode|password|verification)\W*(?:is|was|:)?\W*"
    r"|(?<!order )(?:house\s+|flat\s+|apartment\s+|apt\.?\s+)?(?:number|no\.?)\s*|flat\s+|apartment\s+|apt\.?\s+"
    r"|(?:phone|mobile|tel|call|text)\D{0,12})$",
    re.IGNORECASE,
)
_CODE_BEFORE = re.compile(r"\b(?:code|pin|passcode|password)\b[^.!?]*$", re.IGNORECASE)
_AFTER_BAD = re.compile(
    rf"^(?:[:/]\d|[.,]\d{{2}}\b|\s*(?:p|pm|am|%|gbp|usd|quid)\b|\s+{QUANTITY_NOUNS}\b)", re.IGNORECASE
)


def _plausible(text: str, start: int, end: int, cued: bool) -> bool:
    before = text[max(0, start - 24) : start]
    if text[start : start + 1] == "#" and _CODE_BEFORE.search(text, max(0, start - 40), start):
        return False  # "code to get in the complex is #5521"
    if not cued and _BEFORE_BAD.search(before):
        return False
    if cued and re.search(r"[£$€]\s*$", before):
        return False
    return not _AFTER_BAD.match(text[end : end + 16])


def extract(text: str, context: ParseContext) -> list[Candidate]:
    if context.order_number_pattern:
        pattern = compile_merchant(context.order_number_pattern)
        if pattern is not None:
            return [
                cand("order_number", raw.lstrip("#").strip().upper(), s, e)
                for raw, s, e in merchant_matches(pattern, text)
                if _plausible(text, s, e, cued=False)
            ]
    out: list[Candidate] = []
    for m in _DEFAULT.finditer(text):
        if m.group("hash"):
            # Span includes the "#": the shopper typed it as one token (matches the training data).
            value, start, end = m.group("hash"), m.start() + (m.group(0).index("#")), m.end("hash")
        elif m.group("cued"):
            value, start, end = m.group("cued").upper(), m.start("cued"), m.end("cued")
            if text[start - 1 : start] == "#":
                start -= 1
        else:
            raw = m.group("prefixed")
            value, start, end = "ORD-" + re.sub(r"\D", "", raw), m.start("prefixed"), m.end("prefixed")
        if _plausible(text, start, end, cued=True):
            out.append(cand("order_number", value, start, end))
    return out
