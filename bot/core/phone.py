"""Phone numbers in one shape (E.164) everywhere, so "07700 900123" and "+447700900123" are one shopper."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(raw: str, region: str = "GB") -> str:
    value = (raw or "").strip()
    if value.lower().startswith("whatsapp:"):
        value = value.split(":", 1)[1]
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"{raw!r} is not a phone number ({exc})") from exc
    # "Possible" (right length for the country), not "valid" (allocated range): allocation tables lag
    # reality, and the fictional ranges used in demos and tests (07700 900xxx) are deliberately unallocated.
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
