"""Free text fit for a driver's manifest (notes, safe places, neighbours): one cleaner for all of them."""

from __future__ import annotations

import re

# -- cleaning free text for a driver -------------------------------------------------------------------
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


_TAG = re.compile(r"<[^<>]{0,40}>")


_UNSAFE = re.compile(r"[<>{}`\\\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def driver_text(raw: str) -> str:
    """Text fit for a driver's manifest: no links, markup or control characters, single-spaced.

    Callers check the length against their own limit and ask for something shorter rather than cut
    an instruction in half.
    """
    text = _LINK.sub(" ", raw or "")
    text = _TAG.sub(" ", text)
    text = _UNSAFE.sub(" ", text)
    return " ".join(text.split()).strip(" ,;:-")
