"""What a text costs as SMS: GSM-7 or UCS-2, and how many segments.

One character outside GSM 03.38 (a curly quote, an en or em dash, "…", a no-break space, an emoji) turns the
whole message into UCS-2: 70 characters a segment instead of 160. Default wording is GSM-7 (a test checks it);
the merchant console will show a merchant's wording this way before it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("^{}\\[~]|€\f")  # two characters each (an escape, then the character)


@dataclass(frozen=True)
class SmsCost:
    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def not_gsm7(text: str) -> set[str]:
    return {ch for ch in text if ch not in BASIC and ch not in EXTENSION}


def cost(text: str) -> SmsCost:
    if not not_gsm7(text):
        units = sum(2 if ch in EXTENSION else 1 for ch in text)
        return SmsCost("GSM-7", units, 1 if units <= 160 else -(-units // 153))
    units = len(text.encode("utf-16-le")) // 2
    return SmsCost("UCS-2", units, 1 if units <= 70 else -(-units // 67))


# What phones and word processors type for plain punctuation ("‘garden room’", "bins – the green one", "…"), and
# the GSM-7 characters a person means by them. Applied to what a shopper typed and to every value the wording
# puts in front of a shopper, so an echoed value never turns an SMS into UCS-2 (review 5).
_TYPOGRAPHY = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "\u0060": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
})


def plain_punctuation(text: str) -> str:
    """Curly quotes, dashes, the ellipsis and thin or no-break spaces as their plain GSM-7 forms."""
    return text.translate(_TYPOGRAPHY) if not text.isascii() else text
