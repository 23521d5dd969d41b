"""A shopper's standing neighbour (a preference on their own contact), read by every journey that suggests one."""

from __future__ import annotations

from backend.types import Shipment
from dialogues.base import Turn

PREFERENCE = "neighbour"


def standing_neighbour(turn: Turn, shipment: Shipment | None = None) -> str | None:
    """The shopper's standing neighbour, if they set one on this number (and the parcel is theirs)."""
    contact = turn.conversation.contact
    if contact is None or not turn.message.sender_is_phone:
        return None
    if shipment is not None and shipment.recipient_phone != turn.message.sender:
        return None
    saved = (contact.preferences or {}).get(PREFERENCE) or {}
    return saved.get("value") or None
