"""Which parcel a message means when it names none, from what the conversation last settled on.

"wheres the socks" then "leave it in the porch": the socks, not "Which one?" again (a probe: the shopper with two
parcels was asked to pick again right after naming one). "the other one" of two is the one not talked about.
Kept in the conversation's mentions (`ConversationState.mentioned["parcel"]`, set by subflows/identify whenever a
parcel is found), which go when the conversation goes stale (router._expire_stale_state).
"""

from __future__ import annotations

import dataclasses
import re

from backend.types import Shipment
from dialogues.base import Turn
from intents.types import OUT_OF_SCOPE

# "the other one", "the other parcel": of two, the one not talked about last
# (its noun required, or the message ending on it: "the other side of the house", "the other day" are no parcel)
_OTHER = re.compile(r"\b(?:the|my|that)\s+other(?:\s+(?:one|parcel|package|order|delivery|box)\b|\W*$)", re.IGNORECASE)


def last_talked_about(turn: Turn, own: list[Shipment]) -> Shipment | None:
    """Of several parcels, the one this conversation last settled on (shown, changed, picked from a list), for a
    message that names none ("leave it in the porch" after the socks' status). "the other one" of two is the one
    not talked about. Several shown at once settle on none (shipments_for forgets it); a stale conversation
    forgets it too (router._expire_stale_state)."""
    last = turn.state.mentioned.get("parcel")
    if not last or not any(s.tracking_number == last for s in own):
        return None
    if _OTHER.search(turn.text):
        others = [s for s in own if s.tracking_number != last]
        return others[0] if len(others) == 1 else None
    return next(s for s in own if s.tracking_number == last)


def talked_about_several(turn: Turn, shown: list[Shipment]) -> None:
    """Several shown at once: a request that names none is asked about again, not given to the last one."""
    if len(shown) > 1:  # "leave it in the porch" after both were shown is asked about again
        turn.state.mentioned.pop("parcel", None)


_NOT_A_REQUEST = frozenset({OUT_OF_SCOPE, "help", "inform", "greet"})


def asks_about_the_other(turn: Turn) -> bool:
    """ "what about the other one?" (no request the NLU knows, a short message, two parcels, one just talked about):
    a status question about the other one (a probe: it got the help text). True when the NLU's reading was changed."""
    if (turn.nlu.intent not in _NOT_A_REQUEST or len(turn.text.split()) > 8 or not _OTHER.search(turn.text)
            or turn.state.open_step is not None):
        return False
    own = turn.sender_shipments()
    if len(own) != 2 or last_talked_about(turn, own) is None:
        return False
    turn.nlu = dataclasses.replace(turn.nlu, intent="where_is_my_order", confidence=1.0, clarify=None)
    return True
