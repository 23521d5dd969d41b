"""Entity extraction for shopper messages: ``extract_entities(text, context) -> list[Entity]``.

Hand-written, deterministic rules (no model, no downloads) because the values must be exact: an order
number or a date the bot acts on cannot be "probably" right. Spans index the original text, are sorted
and never overlap; where candidates overlap the more specific entity wins (see ``_base.PRIORITY``), and
free-text entities (neighbour, safe_place) are cut around the winners rather than dropped.
"""

from __future__ import annotations

from intents.context import ParseContext
from intents.entities import (
    dates,
    email,
    house_number,
    neighbour,
    order_number,
    otp_code,
    phone_number,
    postcode,
    safe_place,
    time_window,
    tracking_number,
    zip_code,
)
from intents.entities._base import Candidate, has_digit, resolve
from intents.types import Entity

__all__ = ["extract_entities"]


def extract_entities(text: str, context: ParseContext | None = None) -> list[Entity]:
    """All entities in ``text``, resolved against the merchant's clock, zone, region and id formats."""
    if not text or not text.strip():
        return []
    context = context or ParseContext()
    digits = has_digit(text)
    cands: list[Candidate] = email.extract(text)
    found_dates = dates.extract(text, context)
    cands += found_dates
    cands += time_window.extract(text, context, found_dates)
    if digits:
        cands += tracking_number.extract(text, context)
        cands += order_number.extract(text, context)
        cands += phone_number.extract(text, context)
        cands += postcode.extract(text)
        cands += zip_code.extract(text, context)
        cands += otp_code.extract(text)
    houses = house_number.extract(text)  # "number five" has no digit (review 12)
    cands += houses
    kept = resolve(cands)

    kept_houses = [c for c in kept if c.entity == "house_number"]
    kept = resolve(kept + neighbour.extract(text, kept_houses))
    kept = resolve(kept + safe_place.extract(text, kept))
    kept = time_window.merge(text, kept)

    time_window.attach_dates(
        text,
        [c for c in kept if c.entity == "time_window"],
        [c for c in kept if c.entity == "date"],
        context,
    )
    return [c.to_entity() for c in kept]
