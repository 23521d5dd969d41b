"""The one-time-code step of the chat: a journey calls it before any change, and gets control back once the
shopper has typed the code we sent to the parcel's phone (or e-mail) on file.

The rules (6 digits, 5 minutes, 5 tries, 3 codes per 15 minutes, keyed hashes, audit) live in the
channel-free CodeService (bot/services/verification.py); this module only talks: "we've sent a code to the
number ending 123", "that's not it, 2 more tries", "sent another".

A reply offers RESEND only while the code budget has room: once it is spent, the words say when a new code
can be sent ("until 14:06 GMT (in 12 minutes)") instead, since a RESEND then could only be refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import timedelta

from backend.types import Shipment
from bot.services.verification import CODE_DIGITS, Budget, Checked, Requester, Sent
from dialogues.base import Flow, Turn, register

flow = register(Flow("verify", intents=()))
CODE_QUESTIONS = ("utter_code_sent", "utter_code_sent_last")  # "reply with the code we sent"
RESEND_WORDS = {"resend", "new code", "send again", "send it again", "another code", "didnt get it", "didn't get it"}
_LOCKOUT = {
    Sent.RATE_LIMITED: "utter_code_too_many_sent",
    Sent.NO_CONTACT: "utter_code_no_contact",
    Sent.OPTED_OUT: "utter_code_no_contact",
}


def require_code(turn: Turn, shipment: Shipment, *, action: str, then: str, default: str = "code") -> bool:
    """True if the shopper may change this parcel now; otherwise a code is sent (or refused) and the calling
    flow's `then` step runs again once the right code comes back."""
    needed = turn.services.codes.needs_code(
        turn.config, action, shipment, sender=turn.message.sender, sender_is_phone=turn.message.sender_is_phone,
        proven_by_code=turn.is_verified_for(shipment, by=("otp",)), default=default,
    )
    if not needed:
        return True
    turn.call(flow.name, then=then)
    turn.remember(tracking=shipment.tracking_number)
    _send_code(turn, shipment)
    return False


def _requester(turn: Turn) -> Requester:
    return Requester(turn.conversation.id, turn.message.sender, turn.message.channel, turn.message.sender_is_phone)


def _send_code(turn: Turn, shipment: Shipment) -> None:
    sent = turn.services.codes.send(turn.uow, turn.merchant, shipment, _requester(turn), turn.now)
    if sent.status is not Sent.SENT:
        turn.finish()
        turn.say(_LOCKOUT[sent.status], **_wait(turn, sent.budget))
        return
    if sent.budget.left:
        turn.ask("code", "utter_code_sent", where=sent.where)
    else:
        turn.ask("code", "utter_code_sent_last", where=sent.where, **_wait(turn, sent.budget))


def _budget(turn: Turn, shipment: Shipment) -> Budget:
    return turn.services.codes.budget(turn.uow, turn.merchant, shipment, _requester(turn), turn.now)


def _wait(turn: Turn, budget: Budget) -> dict[str, str]:
    """When the next code can be sent, both ways: the shopper's clock ("14:06 GMT") and a count of minutes
    (whatever their zone). Rounded up to the minute, so a RESEND at the time said is within the budget."""
    if budget.free_at is None:
        return {}
    ready = budget.free_at.replace(second=0, microsecond=0)
    ready += timedelta(minutes=1) if ready < budget.free_at else timedelta(0)
    minutes = max(1, math.ceil((ready - turn.now).total_seconds() / 60))
    return {"time": f"{turn.local(ready):%H:%M %Z}", "minutes": str(minutes)}


def remind(turn: Turn, shipment: Shipment | None) -> None:
    """"Reply with the code" (the code already sent still stands), offering RESEND only while the budget has
    room for another."""
    budget = _budget(turn, shipment) if shipment is not None else Budget(1)
    turn.say("utter_code_format" if budget.left else "utter_code_format_last", **_wait(turn, budget))


def _typed_code(turn: Turn) -> str | None:
    """The guess in this reply, if it is code-shaped: exactly CODE_DIGITS digits.

    Anything else (5 digits, letters, a gate code) can't be the code, so it is asked for again and costs
    no try: counting it would lock out a shopper who mistyped, and not counting it gives a guesser nothing.
    Digits from other scripts (full-width "１２３", Arabic-Indic "١٢٣") are read as the ASCII digits they
    are, not turned away: a phone keyboard in those locales types them for the very code we sent, so refusing
    them would leave that shopper unable to answer at all. Only decimal digits count (str.isdecimal, not
    isdigit): superscripts and circled numbers are not a code, so they are asked again and cost no try.
    """
    entity = turn.nlu.entity("otp_code")
    typed = re.sub(r"\D", "", entity.value) if entity else re.sub(r"[\s-]", "", turn.text)
    if len(typed) != CODE_DIGITS or not typed.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(ch)) for ch in typed)


@flow.step("code")
def check_code(turn: Turn) -> None:
    tracking = turn.slots.get("tracking")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None:
        turn.finish()
        turn.say("utter_cancelled")
        return
    if turn.text.lower().strip(" .!?") in RESEND_WORDS:
        _send_code(turn, shipment)
        return
    typed = _typed_code(turn)
    if typed is None:
        budget = _budget(turn, shipment)
        turn.reask("utter_code_format" if budget.left else "utter_code_format_last", **_wait(turn, budget))
        return
    checked = turn.services.codes.check(turn.uow, turn.merchant, shipment.tracking_number, typed, _requester(turn),
                                        turn.now)
    if checked.status is Checked.OK:
        turn.mark_verified(shipment, "otp")
        turn.return_()
    elif checked.status is Checked.EXPIRED:
        budget = _budget(turn, shipment)
        turn.say("utter_code_expired" if budget.left else "utter_code_expired_wait", **_wait(turn, budget))
    elif checked.status is Checked.LOCKED_OUT:
        # The question stays open: a RESEND (now, or at the time said) is answered here, within the budgets.
        budget = _budget(turn, shipment)
        turn.ask("code", "utter_code_locked" if budget.left else "utter_code_locked_wait", **_wait(turn, budget))
    else:
        left = checked.tries_left
        turn.say("utter_code_wrong" if left > 1 else "utter_code_wrong_last_try", left=left)
