"""One-tap replies to a proactive offer: "Reply 1 to leave it with a neighbour, 2 for a safe place...".

The "out for delivery" (or failed attempt) notification stores its offer on the conversation:
state["offer"] = {"1": "leave_with_neighbour", ...}, state["offer_tracking"], state["offer_expires"] (ISO).
A bare "1"/"2"/"3" while the offer is live, and while no other question is open, starts that journey for
that parcel. The journey still checks access, availability, confirmation and the one-time code itself.
"""

from __future__ import annotations

import re
from datetime import datetime

from dialogues.base import REGISTRY, Turn
from dialogues.identify import can_see

OFFER_KEYS = ("offer", "offer_tracking", "offer_expires")
_CHOICE = re.compile(r"\W*(?:option\s*|no\.?\s*|#)?(\d)\W*", re.IGNORECASE)


def _drop_offer(turn: Turn) -> None:
    turn._set_state({k: v for k, v in turn.state.items() if k not in OFFER_KEYS})


def _expired(turn: Turn) -> bool:
    raw = turn.state.get("offer_expires")
    try:
        expires = datetime.fromisoformat(str(raw))
    except ValueError:
        return True
    return expires.tzinfo is None or expires <= turn.now


def maybe_take_offer(turn: Turn) -> bool:
    """True if this message was a reply to a one-tap offer (and has been handled)."""
    state = turn.state
    offer = state.get("offer")
    choice = _CHOICE.fullmatch(turn.text or "")
    if not isinstance(offer, dict) or choice is None or state.get("flow"):
        return False
    name = offer.get(choice.group(1))
    if name is None:
        return False
    if _expired(turn):
        _drop_offer(turn)
        turn.audit("one_tap", "expired", subject=state.get("offer_tracking"), option=name)
        turn.say("utter_one_tap_expired")
        return True
    tracking = state.get("offer_tracking")
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
