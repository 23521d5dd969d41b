"""One-time codes: nothing about a delivery changes until the recipient proves it's them.

The code goes to the phone (or e-mail) on file for the parcel, never to whoever is asking. Six digits,
valid 5 minutes, 5 wrong tries per code, 3 codes per parcel per 15 minutes, then a lockout with an
offer of a person. Codes are stored as keyed hashes and compared in constant time; every attempt is
audited. A merchant may relax the rule per action (merchant.settings["verification"][action]):
"code" (default), "sender_number" (the recipient's own number is proof enough) or "none".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import uuid
from datetime import timedelta

import pyotp
from sqlalchemy import func, select

from backend import models as m
from backend.db import take_turns
from backend.types import Shipment
from bot.outbox import OptedOut, queue_message
from dialogues.base import REGISTRY, Flow, Turn, register

flow = register(Flow("verify", intents=()))
OTP_KEY_PREFIX = "otp:"  # marks one-time-code texts in the outbox, so readers can hide them

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_WRONG_TRIES = 5
MAX_CODES = 3
CODES_WINDOW = timedelta(minutes=15)
RESEND_WORDS = {"resend", "new code", "send again", "send it again", "another code", "didnt get it", "didn't get it"}


def policy_for(turn: Turn, action: str, default: str = "code") -> str:
    rules = (turn.merchant.settings or {}).get("verification") or {}
    return str(rules.get(action) or rules.get("default") or default)


def _hash(turn: Turn, code: str, tracking: str) -> str:
    key = turn.settings.secret_key.encode()
    return hmac.new(key, f"{tracking}:{code}".encode(), hashlib.sha256).hexdigest()


def require_code(turn: Turn, shipment: Shipment, *, action: str, then: str, default: str = "code") -> bool:
    """True if the shopper may change this parcel now; otherwise a code is sent (or refused) and we wait."""
    policy = policy_for(turn, action, default)
    own_number = turn.message.sender_is_phone and shipment.recipient_phone == turn.message.sender
    if policy == "none" or (policy == "sender_number" and own_number):
        return True
    if turn.is_verified_for(shipment.tracking_number, by=("otp",)):
        return True
    turn.remember(verify={"tracking": shipment.tracking_number, "return_to": {"flow": turn.flow_name, "step": then}})
    _send_code(turn, shipment)
    return False


def _codes_recently(turn: Turn, tracking: str) -> int:
    since = turn.now - CODES_WINDOW
    return turn.session.scalar(
        select(func.count()).select_from(m.OneTimeCode).where(
            m.OneTimeCode.tracking_number == tracking, m.OneTimeCode.created_at >= since
        )
    ) or 0


def _send_code(turn: Turn, shipment: Shipment) -> None:
    tracking = shipment.tracking_number
    take_turns(turn.session, f"otp:{tracking}")  # many conversations at once can't race "3 per 15 minutes"
    if _codes_recently(turn, tracking) >= MAX_CODES:
        turn.audit("otp_send", "rate_limited", subject=tracking)
        _lock_out(turn, "utter_code_too_many_sent")
        return
    to, channel = shipment.recipient_phone, "sms"
    if not to and shipment.recipient_email:
        to, channel = shipment.recipient_email, "email"
    if not to:
        turn.audit("otp_send", "no_contact_on_file", subject=tracking)
        _lock_out(turn, "utter_code_no_contact")
        return
    code = pyotp.HOTP(pyotp.random_base32(), digits=CODE_DIGITS).at(0)
    turn.session.add(
        m.OneTimeCode(
            conversation_id=turn.conversation.id,
            tracking_number=tracking,
            code_hash=_hash(turn, code, tracking),
            sent_to=to,
            created_at=turn.now,
            expires_at=turn.now + CODE_TTL,
        )
    )
    body = turn.render("utter_code_message", code=code, minutes=int(CODE_TTL.total_seconds() // 60))
    try:
        queue_message(turn.session, merchant=turn.merchant, channel=channel, to=to, body=body,
                      conversation_id=turn.conversation.id, dedupe_key=f"{OTP_KEY_PREFIX}{uuid.uuid4().hex}")
    except OptedOut:
        turn.audit("otp_send", "recipient_opted_out", subject=tracking)
        _lock_out(turn, "utter_code_no_contact")
        return
    turn.enqueue("send_outbox")
    turn.audit("otp_send", "sent", subject=tracking, sent_to=_mask(to))
    turn.flow_name = flow.name
    turn.ask("code", "utter_code_sent", where=_mask(to))


def _mask(to: str) -> str:
    if "@" in to:
        name, _, domain = to.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"the number ending {to[-3:]}"


def _lock_out(turn: Turn, key: str) -> None:
    turn.finish()
    turn.say(key)


def _current_code(turn: Turn, tracking: str) -> m.OneTimeCode | None:
    # Locked until the turn commits: overlapping guesses (concurrent webhooks) take turns, so none reads a
    # stale try count and five wrong tries really burn the code (PostgreSQL; SQLite writers queue anyway).
    return turn.session.scalar(
        select(m.OneTimeCode)
        .where(
            m.OneTimeCode.conversation_id == turn.conversation.id,
            m.OneTimeCode.tracking_number == tracking,
            m.OneTimeCode.used_at.is_(None),
        )
        .order_by(m.OneTimeCode.id.desc())
        .limit(1)
        .with_for_update()
    )


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
    pending = turn.slots.get("verify") or {}
    tracking = pending.get("tracking")
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
    row = _current_code(turn, tracking)
    if row is None or row.expires_at <= turn.now:
        turn.audit("otp_check", "expired", subject=tracking)
        turn.say("utter_code_expired")
        return
    if hmac.compare_digest(row.code_hash, _hash(turn, typed, tracking)):
        row.used_at = turn.now
        turn.audit("otp_check", "ok", subject=tracking)
        turn.mark_verified(tracking, "otp")
        back = pending.get("return_to") or {}
        turn.remember(verify=None)
        caller = REGISTRY.get(back.get("flow") or "")
        if caller is None:
            turn.finish()
            return
        turn._set_state({**turn.state, "flow": caller.name, "step": None})
        caller.run_step(turn, back["step"])
        return
    row.attempts += 1
    turn.audit("otp_check", "wrong", subject=tracking, attempts=row.attempts)
    if row.attempts >= MAX_WRONG_TRIES:
        row.used_at = turn.now  # burnt: this code can never be used now
        turn.audit("otp_check", "locked_out", subject=tracking)
        _lock_out(turn, "utter_code_locked")
        return
    left = MAX_WRONG_TRIES - row.attempts
    turn.say("utter_code_wrong" if left > 1 else "utter_code_wrong_last_try", left=left)
