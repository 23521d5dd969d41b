"""What the shopper no longer wants: what they said no to ("not piccadilly", "i dont want a pickup point"), and
what a change they just made replaces (a safe place after a neighbour).

Its own module because its readers are not the message's: kit/requests.py writes the conversation's `avoid` list
as it reads a message, and these read it (and what was done) turns later, where journeys list options and the
router decides what to offer back.
"""

from __future__ import annotations

import re

from dialogues.base import REGISTRY, Turn

# What happens to a parcel when no one is in: one of these replaces the others, so once one is done a parked
# proposal of another is no longer wanted (it is never offered back on top of the one just confirmed).
IF_OUT = frozenset({"leave_with_neighbour", "leave_in_safe_place", "deliver_to_pickup_point", "hold_delivery"})


def replaced_by(done: set[str]) -> set[str]:
    """The journeys (and change kinds) that the ones done in this turn replace."""
    return set(IF_OUT) if done & IF_OUT else set()


def declined_kinds(turn: Turn) -> set[str]:
    """The intents (journey names) the shopper said no to in this conversation."""
    return {a for a in turn.state.avoid if a in REGISTRY}


def avoided_words(turn: Turn) -> list[str]:
    """The shopper's own words for what they don't want ("piccadilly", "the locker")."""
    return [a for a in turn.state.avoid if a not in REGISTRY]


def rules_out(turn: Turn, label: str) -> bool:
    """Does this option's label name something the shopper ruled out ("Piccadilly Corner Shop" after "not
    piccadilly")?"""
    low = label.lower()
    return any(re.search(rf"\b{re.escape(words)}", low) for words in avoided_words(turn))
