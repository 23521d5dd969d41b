"""Handing a conversation to a person, from any journey (a lockout, a claim, "still not working"), and what a
shopper waiting for one is told.

Who owns the conversation is the HandoffService's to change (bot/services/handoff.py: status, waiting
since, reason, audit, the event the console hears); this is the dialogue's side of it: when a person will
reply (the merchant's support hours, in the team's time zone), and which messages the bot still answers
while the shopper waits (where the parcel is, short questions, a question it asked meanwhile).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from backend import models as m
from backend.local_time import minutes_label
from bot.core.conversations import Status
from bot.core.merchant_config import WEEKDAYS, SupportHours
from bot.core.wording import Rendered
from dialogues.base import Turn
from dialogues.kit.faq import question_in
from intents.types import OUT_OF_SCOPE

# What the bot answers itself while the shopper waits: where the parcel is and the photo of where it was left.
# Nothing here changes the parcel, so the bot and the person can't both act on it; a change asked for meanwhile
# is left for the person (or BOT, to do it now), and so are refunds and claims, which the person is there for.
ANSWERED_WHILE_WAITING = frozenset({"where_is_my_order", "request_proof_of_delivery"})
CONFIDENT = 0.6
# "still waiting", "any update?" to someone waiting for a person are about the person, not the parcel: a
# tracking question names the parcel, or asks where or when.
_ABOUT_THE_PARCEL = re.compile(
    r"\b(?:parcel|parcle|pacel|package|pkg|order|deliver\w*|arriv\w*|come|coming|comes|track\w*|driver|courier|van"
    r"|where|wheres|wer|when|wen|eta|shipped|dispatch\w*|sent|today|tomorrow|tmrw)\b",
    re.IGNORECASE,
)


def hand_off(turn: Turn, reason: str) -> None:
    """Any flow can call this; the caller says what happened.

    A parked journey is dropped: a person has the conversation now, and "shall we go back to it?"
    would be the bot talking over them.
    """
    turn.finish()
    turn.drop_parked()
    turn.state.handoff_ack_at = None
    turn.services.handoff.hand_off(turn.uow, turn.conversation, reason=reason, actor=turn.message.sender,
                                   now=turn.now)


def waiting(turn: Turn) -> bool:
    """Handed to the team and nobody has picked it up yet (a person who has it answers themselves)."""
    return turn.services.handoff.status(turn.conversation) is Status.WAITING


def answered_while_waiting(turn: Turn) -> bool:
    """Whether the bot answers this message as usual although the shopper is waiting for a person: a tracking
    or photo or return-status question, a short question it answers itself, or the answer to a question it
    asked meanwhile ("what's the postcode?"). The wait goes on either way."""
    if not waiting(turn):
        return False
    if turn.state.open_flow and turn.state.open_step:
        return True
    if question_in(turn.text) is not None:
        return True
    nlu = turn.nlu
    if nlu.intent not in ANSWERED_WHILE_WAITING or nlu.confidence < CONFIDENT or nlu.clarify:
        return False
    named = nlu.entity("tracking_number") or nlu.entity("order_number")
    return bool(named or _ABOUT_THE_PARCEL.search(turn.text) or nlu.intent != "where_is_my_order")


# -- when a person will reply -----------------------------------------------------------------------------
def _days(days: frozenset[int]) -> str:
    names = [w.capitalize() for w in WEEKDAYS]
    if len(days) == 7:
        return "every day"
    firsts = [d for d in sorted(days) if (d - 1) % 7 not in days]
    if len(firsts) == 1:  # one run of days, maybe over the weekend (Sat-Mon)
        first, last = firsts[0], firsts[0]
        while (last + 1) % 7 in days:
            last = (last + 1) % 7
        return names[first] if first == last else f"{names[first]}-{names[last]}"
    return ", ".join(names[d] for d in sorted(days))


def _zone_name(hours: SupportHours, now: datetime) -> str:
    name = now.astimezone(hours.zone()).tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def hours_label(turn: Turn) -> str:
    """The team's hours as a shopper reads them: "Mon-Fri 09:00-17:00 GMT", "Mon-Sat 9am-5:30pm EST", "24/7"."""
    hours, region = turn.config.support_hours, turn.config.region
    if hours.opens == 0 and hours.closes == 24 * 60:
        return "24/7" if len(hours.days) == 7 else f"{_days(hours.days)}, all day"
    span = f"{minutes_label(hours.opens, region)}-{minutes_label(hours.closes, region)}"
    return f"{_days(hours.days)} {span} {_zone_name(hours, turn.now)}".strip()


def _back_label(turn: Turn, hours: SupportHours) -> str:
    opening = hours.next_opening(turn.now)
    today = turn.now.astimezone(hours.zone()).date()
    ahead = (opening.date() - today).days
    day = "today" if ahead == 0 else "tomorrow" if ahead == 1 else opening.strftime("%a")
    return f"{day} at {minutes_label(hours.opens, turn.config.region)}"


def reply_when(turn: Turn) -> Rendered:
    """One sentence: the team is in now (and how soon they usually answer) or when they are back."""
    hours = turn.config.support_hours
    label = hours_label(turn)
    if hours.is_open(turn.now):
        within = hours.reply_within_hours
        if within:
            return turn.render("utter_support_open_within", hours=label,
                               within="an hour" if within == 1 else f"{within} hours")
        return turn.render("utter_support_open", hours=label)
    return turn.render("utter_support_closed", hours=label, back=_back_label(turn, hours))


def contact_line(turn: Turn) -> Rendered:
    """", or email help@..." when the merchant gives a way to reach them outside this chat, else nothing."""
    config = turn.config
    if config.support_email:
        return turn.render("utter_support_contact_email", email=config.support_email)
    if config.support_phone:
        return turn.render("utter_support_contact_phone", phone=config.support_phone)
    if config.support_url:
        return turn.render("utter_support_contact_url", url=config.support_url)
    return Rendered("")


def misunderstood_in_a_row(turn: Turn) -> int:
    """How many of the shopper's latest messages in this conversation, this one included, the NLU read as out
    of scope, back to the last one it understood (at most 10 looked at: the setting's ceiling)."""
    latest = turn.session.scalars(
        select(m.Message.intent).where(m.Message.conversation_id == turn.conversation.id, m.Message.direction == "in")
        .order_by(m.Message.id.desc()).limit(10)
    ).all()
    run = 0
    for intent in latest:
        if intent != OUT_OF_SCOPE:
            break
        run += 1
    return run
