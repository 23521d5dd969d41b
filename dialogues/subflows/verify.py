"""The one-time-code step of the chat: a journey calls it before any change, and gets control back once the
shopper has typed the code we sent to the parcel's phone (or e-mail) on file.

The rules (6 digits, 5 minutes, 5 tries, 3 codes per 15 minutes, keyed hashes, audit) live in the
channel-free CodeService (bot/services/verification.py); this module only talks: "we've sent a code to the
number ending 123", "that's not it, 2 more tries", "sent another".
"""

from __future__ import annotations

import re
import unicodedata

from backend.types import Shipment
from bot.services.verification import CODE_DIGITS, Checked, Requester, Sent
from dialogues.base import Flow, Turn, register

flow = register(Flow("verify", intents=()))
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
        proven_by_code=turn.is_verified_for(shipment.tracking_number, by=("otp",)), default=default,
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
        turn.say(_LOCKOUT[sent.status])
        return
    turn.ask("code", "utter_code_sent", where=sent.where)


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
        turn.reask("utter_code_format")
        return
    checked = turn.services.codes.check(turn.uow, turn.merchant, shipment.tracking_number, typed, _requester(turn),
                                        turn.now)
    if checked.status is Checked.OK:
        turn.mark_verified(shipment.tracking_number, "otp")
        turn.return_()
    elif checked.status is Checked.EXPIRED:
        turn.say("utter_code_expired")
    elif checked.status is Checked.LOCKED_OUT:
        # The question stays open: the RESEND this reply offers is answered here, within the code budgets.
        turn.ask("code", "utter_code_locked")
    else:
        left = checked.tries_left
        turn.say("utter_code_wrong" if left > 1 else "utter_code_wrong_last_try", left=left)
