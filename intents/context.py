"""Per-message context the NLU needs to resolve values (dates, phone numbers, merchant id formats)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ParseContext:
    """What the merchant and clock say about a message; passed to entity extraction.

    Kept frozen and plain so the same context can be shared across threads and cached.
    """

    timezone: str = "Europe/London"  # merchant's IANA zone, for resolving dates
    now: datetime | None = None  # aware datetime; None = current time
    region: str = "GB"  # default region for phone numbers
    order_number_pattern: str | None = None  # merchant-configurable regex
    tracking_number_pattern: str | None = None  # merchant-configurable regex
