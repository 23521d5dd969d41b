"""'can you text me again', 'send me that again', 'could you resend that message?': the bot's last reply, again.

Why: an SMS can be deleted, lost under other texts or cut off, and the shopper asks for it the way they'd ask a
person. Outside the code step (which answers the same words with a new code, subflows/verify.py) these words were
read as an opt-out, a return or nothing at all, and got a help menu. What is sent again is only what this
conversation was already sent, to the same sender: it shows nobody anything new.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from backend import models as m
from bot.core.messages import Reply
from dialogues.base import Turn

_OBJECT = (r"(?:(?:that|it|this|them|those)|(?:the|your|ur|that)\s+(?:last\s+|previous\s+|other\s+)?"
           r"(?:message|text|txt|msg|sms|reply|answer|link|one))")
_POLITE = r"(?:\s*(?:please|pls|plz|thanks|thank\s+you|thx|ta|cheers|x+|mate|sorry))*"
# The whole message asks for the last text again ("text me again when it's out" asks for a new text, later).
_AGAIN = re.compile(
    rf"^\W*(?:(?:hi|hey|sorry|oh|um|erm|ok|okay)\W+)*(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+|pls\s+|please\s+)?"
    rf"(?:(?:text|txt|message|msg|say|tell|show)\s+(?:me\s+|us\s+)?(?:{_OBJECT}\s+)?(?:again|one\s+more\s+time)"
    # "send it again" alone may be the parcel (a redelivery): sent again "me", or a message, is the text
    rf"|send\s+(?:(?:me|us)\s+(?:{_OBJECT}\s+)?|(?!(?:it|them)\b){_OBJECT}\s+)(?:again|one\s+more\s+time)"
    rf"|re-?send(?:\s+(?:me\s+)?{_OBJECT})?(?:\s+again)?|repeat\s+{_OBJECT}(?:\s+again)?)"
    rf"{_POLITE}\W*$",
    re.IGNORECASE,
)


def asks_for_it_again(text: str) -> bool:
    """Does the whole message ask for the bot's last message again?"""
    return bool(_AGAIN.match(text.replace("\u2019", "'").strip()))


def say_it_again(turn: Turn) -> None:
    """The replies the bot gave to the shopper's last message before this one, as they were; or, when there are
    none, what the bot can send (the parcel's status is one question away)."""
    last = turn.session.scalar(
        select(m.Message.in_reply_to_id)
        .where(m.Message.conversation_id == turn.conversation.id, m.Message.direction == "out",
               m.Message.in_reply_to_id.is_not(None), m.Message.author.is_(None))
        .order_by(m.Message.id.desc()).limit(1))
    rows = list(turn.session.scalars(
        select(m.Message).where(m.Message.in_reply_to_id == last, m.Message.direction == "out",
                                m.Message.author.is_(None)).order_by(m.Message.id))) if last else []
    if not rows:
        turn.say("utter_nothing_to_send_again")
        return
    turn.replies.extend(Reply(row.body, tuple(row.media_urls or ())) for row in rows)
