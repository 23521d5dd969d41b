"""Which parcel a shopper names by its item ("leave the socks in the porch", "wheres the head torch").

Shoppers name what they bought, not its tracking number, and split or join words as shops don't ("head torch"
for a "Headtorch", "t shirt" for a "T-shirt"). Read by the parcel finder (subflows/identify) and by the short
answers (journeys/smalltalk), which is why it is a kit module and not a part of either.
"""

from __future__ import annotations

import re

from backend.types import Shipment
from dialogues.base import Turn

_ITEM_STOP = frozenset({"the", "and", "for", "with", "pairs", "pair", "pack", "set", "one", "new", "more", "size",
                        "my", "your", "order", "parcel", "package", "delivery", "item", "box"})


def _item_words(text: str, *, joined: bool = False) -> set[str]:
    """The words that name an item ("T-shirt" is "tshirt"). `joined` also reads two words as one, as shoppers
    split what shops write whole: "head torch" names a "Headtorch", "t shirt" a "T-shirt"."""
    low = text.lower().replace("-", "")
    words = {w for w in re.findall(r"[a-z]{3,}", low) if w not in _ITEM_STOP}
    if joined:
        tokens = re.findall(r"[a-z]+", low)
        words |= {a + b for a, b in zip(tokens, tokens[1:], strict=False) if len(a + b) >= 5}
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


def named_by_item(turn: Turn, shipments: list[Shipment]) -> Shipment | None:
    """The one parcel whose item the message names ("leave the socks in the porch"), if exactly one."""
    if len(shipments) < 2:
        return None
    hits = item_hits(turn.text, shipments)
    return hits[0] if len(hits) == 1 else None


def item_hits(text: str, shipments: list[Shipment]) -> list[Shipment]:
    """Every parcel with an item the text names (the finder asks "Which one?" when it is more than one)."""
    said = _item_words(text, joined=True)
    return [s for s in shipments
            if said and any(_item_words(str(item.get("name") or "")) & said for item in s.items or ())]
