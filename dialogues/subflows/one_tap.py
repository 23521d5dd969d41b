"""One-tap replies to a proactive offer: "Reply 1 to leave it with a neighbour, 2 for a safe place...".

The "out for delivery" (or failed attempt) notification stores its offer on the conversation's state
(bot/core/conversations.py Offer: {"1": "leave_with_neighbour", ...}, the parcel, when it expires).
A bare "1"/"2"/"3" while the offer is live, and while no other question is open, starts that journey for
that parcel. The journey still checks access, availability, confirmation and the one-time code itself.
"""

from __future__ import annotations

import re

from dialogues.base import REGISTRY, Turn
from dialogues.subflows.identify import can_see

_CHOICE = re.compile(r"\W*(?:option\s*|no\.?\s*|#)?(\d)\W*", re.IGNORECASE)


def _drop_offer(turn: Turn) -> None:
    turn.state.offer = None


def maybe_take_offer(turn: Turn) -> bool:
    """True if this message was a reply to a one-tap offer (and has been handled)."""
    offer = turn.state.offer
    choice = _CHOICE.fullmatch(turn.text or "")
    if offer is None or choice is None or turn.state.open_flow:
        return False
    name = offer.options.get(choice.group(1))
    if name is None:
        return False
    if offer.expires <= turn.now:
        _drop_offer(turn)
        turn.audit("one_tap", "expired", subject=offer.tracking, option=name)
        turn.say("utter_one_tap_expired")
        return True
    tracking = offer.tracking
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    flow = REGISTRY.get(name)
    if shipment is None or flow is None or not can_see(turn, shipment):
        _drop_offer(turn)
        return False
    _drop_offer(turn)  # one tap, one journey: a later "2" is an ordinary message again
    turn.audit("one_tap", "taken", subject=shipment.tracking_number, option=name)
    turn.remember(tracking_number=shipment.tracking_number)
    flow.run_start(turn)
    return True
