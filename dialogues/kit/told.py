"""What the bot has already told the shopper in this conversation, so a request queued beside another is not
answered twice: "says delivered but nothing here. can i see the photo he took" gets the proof of delivery with the
missing-parcel report, and "Now your other request: the proof of delivery" would only send it again (review 7).
Kept with the conversation's other mentions (`ConversationState.mentioned`), which go when the conversation does."""

from __future__ import annotations

from dialogues.base import Turn


def mark_answered(turn: Turn, journey: str, tracking: str) -> None:
    """What `journey` would tell about this parcel has been told in this conversation (the proof of delivery
    shown by a missing-parcel report)."""
    turn.state.mentioned[f"answered:{journey}"] = tracking


def answered(turn: Turn, journey: str) -> str:
    """The parcel (tracking number) `journey`'s answer was given about in this conversation, or ""."""
    return turn.state.mentioned.get(f"answered:{journey}", "")
