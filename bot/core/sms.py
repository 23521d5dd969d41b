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
