"""The one-time-code step of the chat: a journey calls it before any change, and gets control back once the
shopper has typed the code we sent to the parcel's phone (or e-mail) on file.

The rules (6 digits, 5 minutes, 5 tries, 3 codes per 15 minutes, keyed hashes, audit) live in the
channel-free CodeService (bot/services/verification.py); this module only talks: "we've sent a code to the
number ending 123", "that's not it, 2 more tries", "sent another".

A reply offers RESEND only while the code budget has room: once it is spent, the words say when a new code
can be sent ("until 14:06 GMT (in 12 minutes)") instead, since a RESEND then could only be refused.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from backend.types import Shipment
from bot.services.verification import CODE_DIGITS, Budget, Checked, Requester, Sent
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.every_parcel import prove_the_rest
from dialogues.kit.formatting import wait_values
from intents.discourse import asks
from intents.entities import otp_code

flow = register(Flow("verify", intents=()))
CODE_QUESTIONS = ("utter_code_sent", "utter_code_sent_last")  # "reply with the code we sent"
# Asking for another code, in the shopper's words: RESEND, or saying the code never came ("didnt get a code",
# "no code came", "code hasn't arrived", "still waiting for it"). Anything else at the code prompt is asked again,
# so a wider net costs at most a code from the budget; a message with a code in it is always a try. "where is it
# now?" asks where the parcel is now (a code has no "now"): the status, the code prompt kept.
_CODE = r"(?:(?:the|a|my|any|ur|your|that|this|ya|d)\s+)?(?:code|one|text|txt|sms|message|msg|pin|it|nothing)"
_NOT_GOT = (r"(?:didnt|didn't|did not|dint|havent|haven't|have not|hasnt|hasn't|has not|aint|ain't|never|not|"
            r"still not|still havent|still haven't|yet to|cant|can't|couldnt|couldn't)")
_GOT = r"(?:get|got|gotten|receive|received|recieve|recieved|see|seen|had|find|found|come|came|arrive|arrived)"
_RESEND = re.compile(
    r"(?<![\w'])(?:"
    r"re-?send\b|send (?:me )?(?:it |one |the code |a code |the text )?again\b|send (?:me )?(?:another|a new)\b"
    r"|(?:text|txt|message|msg|sms) me (?:(?:the|a|my|that) (?:code|pin|one) )?(?:again|another|a new)\b"
    r"|(?:another|new|fresh|different) (?:code|one)\b"
    rf"|{_NOT_GOT}\s+(?:\w+\s+)?{_GOT}\b"
    rf"|{_CODE}\s+never\b"
    r"|no (?:code|text|txt|sms|message|msg|pin)\b|nothing (?:came|come|arrived|yet|received|here|has come)\b"
    rf"|still waiting\b|where(?:'s| is|s)? {_CODE}\b(?!\s+(?:now|today|at\s+the\s+moment|right\s+now|currently))"
    r")",
    re.IGNORECASE,
)


@flow.answers("code")
def asks_for_another_code(turn: Turn) -> bool:
    """'send it again' or 'can you text me again' answers the code prompt, whatever the NLU makes of it (a
    return, an opt-out): the open question asked for exactly this. So does a correction of the change the code is
    for ("wrong number sorry, 16 not 14"), which the step hands back to it."""
    return (asks_for_another(turn.text) or _code_then_more(turn)
            or (_typed_code(turn) is None and _corrects_the_change(turn, amend=False)))


def _code_then_more(turn: Turn) -> bool:
    """ "123456 and can u make it thursday": a message that opens with the code is its answer, whatever the rest
    reads as; the request after it waits in the queue (kit/requests.read_answer) until the change is made."""
    first = turn.clauses[0] if len(turn.clauses) > 1 else None
    return first is not None and not asks(first.text) and otp_code.in_reply(first.text, CODE_DIGITS) is not None


_ABOUT_THE_CODE = re.compile(r"\b(?:what|which|where(?:'?s)?|wheres|no|any|the|a)\s+(?:\w+\s+)?code\b", re.IGNORECASE)


def asks_about_the_code(text: str) -> bool:
    """Does this message ask where the code is, or say it never came ("what code? i not get any code")?"""
    return asks_for_another(text) or bool(_ABOUT_THE_CODE.search(text))


def asks_for_another(text: str) -> bool:
    """Does this reply at the code prompt ask for a new code (or say the one we sent never came)?"""
    return bool(_RESEND.search(text.replace("\u2019", "'").strip()))
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
    return wait_values(turn, ready)


def remind(turn: Turn, shipment: Shipment | None) -> None:
    """"Reply with the code" (the code already sent still stands), offering RESEND only while the budget has
    room for another."""
    budget = _budget(turn, shipment) if shipment is not None else Budget(1)
    turn.say("utter_code_format" if budget.left else "utter_code_format_last", **_wait(turn, budget))


def _typed_code(turn: Turn) -> str | None:
    """The guess in this reply, if it is code-shaped: exactly CODE_DIGITS digits, with any words around them
    or said in words ("ok 123456", "its 123 456 i think", "two two nine seven eight two": `otp_code.in_reply`,
    which also turns away a number said to be something else, like "my order number is 100231").

    Anything else (5 digits, letters, a gate code) can't be the code, so it is asked for again and costs
    no try: counting it would lock out a shopper who mistyped, and not counting it gives a guesser nothing.
    Digits from other scripts (full-width "１２３", Arabic-Indic "١٢٣") are read as the ASCII digits they
    are, not turned away: a phone keyboard in those locales types them for the very code we sent, so refusing
    them would leave that shopper unable to answer at all. Only decimal digits count (str.isdecimal, not
    isdigit): superscripts and circled numbers are not a code, so they are asked again and cost no try.
    """
    entity = turn.nlu.entity("otp_code")
    typed = re.sub(r"\D", "", entity.value) if entity else (
        otp_code.in_reply(turn.text, CODE_DIGITS) or otp_code.in_reply(turn.message.text, CODE_DIGITS) or "")
    if len(typed) != CODE_DIGITS or not typed.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(ch)) for ch in typed)


def _corrects_the_change(turn: Turn, *, amend: bool = True) -> bool:
    """ "wrong number sorry, 16 not 14" while the code is asked for: the change the code was for is amended (and
    read back) by the caller, subflows/change.py, instead of the code asked for again and the correction lost.
    With `amend` False, only whether it would be."""
    stack = turn.state.stack
    caller = REGISTRY.get(stack[-2].flow or "") if len(stack) >= 2 else None
    if caller is None or not caller.has_step("amend"):
        return False
    frame = stack.pop()  # the caller's slots are what the correction is read against
    found = caller.recognises(turn, "amend")
    if found and amend:
        caller.run_step(turn, "amend")
        return True
    stack.append(frame)
    return found



@flow.step("code")
def check_code(turn: Turn) -> None:
    tracking = turn.slots.get("tracking")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None:
        turn.finish()
        turn.say("utter_cancelled")
        return
    typed = _typed_code(turn)
    if typed is None and _corrects_the_change(turn):
        return
    if typed is None and asks_for_another(turn.text):
        _send_code(turn, shipment)
        return
    if typed is None:
        budget = _budget(turn, shipment)
        turn.reask("utter_code_format" if budget.left else "utter_code_format_last", whole=True,
                   **_wait(turn, budget))
        return
    checked = turn.services.codes.check(turn.uow, turn.merchant, shipment.tracking_number, typed, _requester(turn),
                                        turn.now)
    if checked.status is Checked.OK:
        turn.mark_verified(shipment, "otp")
        prove_the_rest(turn, shipment)  # "leave them both in the porch": one code for the parcels to this phone
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
