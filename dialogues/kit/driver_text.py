"""Free text fit for a driver's manifest (notes, safe places, neighbours): one cleaner for all of them, and
how a change tells the shopper that an access code goes to the driver privately."""

from __future__ import annotations

import re

from bot.core.redaction import find_access_codes
from bot.core.secrets_box import kinds_of
from bot.core.unseen import without_unseen
from bot.core.wording import Rendered
from dialogues.base import Turn

# -- cleaning free text for a driver -------------------------------------------------------------------
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


_TAG = re.compile(r"<[^<>]{0,40}>")


_UNSAFE = re.compile(r"[<>{}`\\]")


def driver_text(raw: str) -> str:
    """Text fit for a driver's manifest: no links, markup or control characters, single-spaced.

    Callers check the length against their own limit and ask for something shorter rather than cut
    an instruction in half.
    """
    text = _LINK.sub(" ", raw or "")
    text = _TAG.sub(" ", text)
    text = without_unseen(" ".join(_UNSAFE.sub(" ", text).split()))  # line breaks are spaces, controls go
    return " ".join(text.split()).strip(" ,;:-")


# -- access codes riding with a change ------------------------------------------------------------------
def codes_phrase(turn: Turn, kinds: list[str]) -> Rendered:
    """ "the gate code", "the gate and door codes": what the shopper gave, never the code itself."""
    if len(kinds) == 1:
        return turn.render("utter_code_kind_one", kind=kinds[0])
    return turn.render("utter_code_kind_many", kinds=" and ".join(kinds))


def with_private_codes(turn: Turn, summary: Rendered, token: str | None) -> Rendered:
    """The change's summary, and when a sealed code rides with it, that it goes to the driver privately
    ("I'll pass the gate code to the driver privately, not on the label")."""
    kinds = kinds_of(turn.settings.secret_key, token)
    if not kinds:
        return summary
    private = turn.render("utter_code_private", codes=codes_phrase(turn, kinds))
    return turn.render("utter_code_summary", summary=summary, private=private)


# The requests whose change carries the codes typed in their message to the driver (dialogues/subflows/change.py
# CODE_CARRIERS, sealed_params): any other request would leave a code said beside it behind.
CARRYING_INTENTS = frozenset({"leave_in_safe_place", "leave_with_neighbour", "add_delivery_note",
                              "change_delivery_address"})


def code_left_behind(part_text: str, part_intent: str, primary_intent: str) -> bool:
    """A part that gives an access code for the driver ("gate code 4455, can you deliver it friday"), beside a
    request whose change can't carry it: a note of its own (queued), or the code would be lost unsaid."""
    return (part_intent == "add_delivery_note" and primary_intent not in CARRYING_INTENTS
            and bool(find_access_codes(part_text)))
