"""The one-question survey after a person resolved a conversation: "How did we do? Reply 1-5".

The shopper's next message, if it is a rating, is stored against the person who resolved it (audit
"survey", with the agent and the rating) and thanked; anything else is read as usual and the question
is dropped (nobody is asked twice).
"""

from __future__ import annotations

import re

from dialogues.base import Turn

_RATING = re.compile(r"^\W*([1-5])(?:\s*(?:/|out of)\s*5)?\W*$", re.IGNORECASE)


def answered(turn: Turn) -> bool:
    """True if this message was the rating (and it has been stored and thanked)."""
    who = turn.state.survey_for
    if not who:
        return False
    turn.state.survey_for = None
    found = _RATING.match(turn.text or "")
    if found is None:
        return False
    turn.audit("survey", found.group(1), subject=f"conv:{turn.conversation.id}", agent=who)
    turn.say("utter_survey_thanks")
    return True
