"""One-time codes: nothing about a delivery changes until the recipient proves it's them.

Channel-free: the chat (dialogues/subflows/verify.py) and later the tracking page and the console all call
this service; none re-implements a rule. The code goes to the phone (or e-mail) on file for the parcel,
never to whoever is asking. Six digits, valid 5 minutes, 5 wrong tries per code, then a lockout.

Two budgets of codes per parcel, so a stranger can neither lock the recipient out nor flood their phone: the
recipient asking from their own number may have 3 codes per 15 minutes, whatever anyone else does; everyone
else together (other numbers, web chats - a REST sender id costs nothing to change) may have 3 per hour, so
the recipient gets at most 3 unasked-for code texts an hour. A new code voids the conversation's earlier ones
for that parcel, and a locked-out code voids them all: only the newest code sent can ever be accepted.
Codes are stored as keyed hashes and compared in constant time; every attempt is audited. A merchant may
relax the rule per action (MerchantConfig.policy): "code" (default), "sender_number" (the recipient's own
number is proof enough) or "none".
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
from sqlalchemy import ColumnElement, and_, false, not_, select, update
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import take_turns
from backend.types import Shipment
from bot.config import Settings
from bot.core import audit
from bot.core.channels import SPECS
from bot.core.merchant_config import MerchantConfig
from bot.core.outbox import text_once
from bot.core.uow import UnitOfWork
from bot.core.wording import Wording

OTP_KEY_PREFIX = "otp:"  # marks one-time-code texts in the outbox, so readers can hide them
CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_WRONG_TRIES = 5
MAX_CODES = 3  # from the recipient's own number, per CODES_WINDOW
CODES_WINDOW = timedelta(minutes=15)
MAX_OTHERS_CODES = 3  # asked for by anyone else, all together, per OTHERS_WINDOW
OTHERS_WINDOW = timedelta(hours=1)
PHONE_CHANNELS = tuple(sorted(name for name, spec in SPECS.items() if spec.phone_like))


class Sent(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"
    NO_CONTACT = "no_contact_on_file"
    OPTED_OUT = "recipient_opted_out"


class Checked(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED_OUT = "locked_out"


@dataclass(frozen=True)
class Budget:
    """How many more codes this requester may have sent for a parcel, and when one frees up if none can now:
    the chat must never advise RESEND when it already knows the answer would be no."""

    left: int
    free_at: datetime | None = None  # the first moment the next code can be sent (None: one can be now)


@dataclass(frozen=True)
class SendResult:
    status: Sent
    where: str = ""  # the masked destination ("the number ending 123")
    budget: Budget = Budget(0)  # after this code (SENT), or as it stands (RATE_LIMITED)


@dataclass(frozen=True)
class CheckResult:
    status: Checked
    tries_left: int = 0


@dataclass(frozen=True)
class Requester:
    """Who asks, for the audit trail and to tie a code to where it was asked for."""

    conversation_id: int
    actor: str
    channel: str
    sender_is_phone: bool = False  # the actor is a number the channel vouches for (SMS, WhatsApp), not a web id


def mask(to: str) -> str:
    if "@" in to:
        name, _, domain = to.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"the number ending {to[-3:]}"


@dataclass(frozen=True)
class CodeService:
    settings: Settings
    wording: Wording

    def needs_code(self, config: MerchantConfig, action: str, shipment: Shipment, *, sender: str,
                   sender_is_phone: bool, proven_by_code: bool, default: str = "code") -> bool:
        """True if `action` on this parcel still needs a code from this sender."""
        policy = config.policy(action, default)
        own_number = sender_is_phone and shipment.recipient_phone == sender
        if policy == "none" or (policy == "sender_number" and own_number):
            return False
        return not proven_by_code

    def _hash(self, code: str, tracking: str) -> str:
        key = self.settings.secret_key.encode()
        return hmac.new(key, f"{tracking}:{code}".encode(), hashlib.sha256).hexdigest()

    def send(self, uow: UnitOfWork, merchant: m.Merchant, shipment: Shipment, who: Requester,
             now: datetime) -> SendResult:
        session, tracking = uow.session, shipment.tracking_number
        to, channel = _destination(shipment)
        # many conversations at once (for any of this phone's parcels) can't race "3 per 15 minutes"
        take_turns(session, f"otp:{merchant.id}:{to or tracking}")

        def note(result: str, **detail: str) -> None:
            audit.record(session, at=now, merchant_id=merchant.id, actor=who.actor, action="otp_send", result=result,
                         subject=tracking, channel=who.channel, **detail)

        own, limit, window = _limits(shipment, who)
        sent = self._sent_times(session, merchant.id, to, shipment.recipient_phone, own=own, since=now - window)
        if len(sent) >= limit:
            note(Sent.RATE_LIMITED, budget="recipient" if own else "others")
            return SendResult(Sent.RATE_LIMITED, budget=_budget(sent, limit, window))
        if not to:
            note(Sent.NO_CONTACT)
            return SendResult(Sent.NO_CONTACT)
        code = pyotp.HOTP(pyotp.random_base32(), digits=CODE_DIGITS).at(0)
        self._void(session, who.conversation_id, tracking, now)  # RESEND: the code before this one is dead
        session.add(m.OneTimeCode(conversation_id=who.conversation_id, tracking_number=tracking,
                                  code_hash=self._hash(code, tracking), sent_to=to, created_at=now,
                                  expires_at=now + CODE_TTL))
        body = self.wording.render("utter_code_message", merchant=merchant, channel=channel, code=code,
                                   minutes=int(CODE_TTL.total_seconds() // 60))
        # a new key for every code, never taken: nothing queued means the shopper said STOP
        if text_once(session, uow.publish, merchant=merchant, channel=channel, to=to, body=body,
                     conversation_id=who.conversation_id, dedupe_key=f"{OTP_KEY_PREFIX}{uuid.uuid4().hex}",
                     enqueue=uow.enqueue) is None:
            note(Sent.OPTED_OUT)
            return SendResult(Sent.OPTED_OUT)
        note(Sent.SENT, sent_to=mask(to))
        return SendResult(Sent.SENT, mask(to), _budget([*sent, now], limit, window))

    def budget(self, uow: UnitOfWork, merchant: m.Merchant, shipment: Shipment, who: Requester,
               now: datetime) -> Budget:
        """The codes this requester may still have sent for this parcel now (the same count `send` makes)."""
        own, limit, window = _limits(shipment, who)
        sent = self._sent_times(uow.session, merchant.id, _destination(shipment)[0], shipment.recipient_phone,
                                own=own, since=now - window)
        return _budget(sent, limit, window)

    def check(self, uow: UnitOfWork, merchant: m.Merchant, tracking: str, typed: str, who: Requester,
              now: datetime) -> CheckResult:
        session = uow.session

        def note(result: str, **detail: int) -> None:
            audit.record(session, at=now, merchant_id=merchant.id, actor=who.actor, action="otp_check", result=result,
                         subject=tracking, channel=who.channel, **detail)

        # Locked until the unit of work commits: overlapping guesses (concurrent webhooks) take turns, so none
        # reads a stale try count and five wrong tries really burn the code (PostgreSQL; SQLite writers queue).
        row = session.scalar(
            select(m.OneTimeCode)
            .where(m.OneTimeCode.conversation_id == who.conversation_id, m.OneTimeCode.tracking_number == tracking,
                   m.OneTimeCode.used_at.is_(None))
            .order_by(m.OneTimeCode.id.desc()).limit(1).with_for_update()
        )
        if row is None or row.expires_at <= now:
            note(Checked.EXPIRED)
            return CheckResult(Checked.EXPIRED)
        if hmac.compare_digest(row.code_hash, self._hash(typed, tracking)):
            row.used_at = now
            note(Checked.OK)
            return CheckResult(Checked.OK)
        row.attempts += 1
        note(Checked.WRONG, attempts=row.attempts)
        if row.attempts >= MAX_WRONG_TRIES:
            row.used_at = now  # burnt: this code can never be used now
            self._void(session, who.conversation_id, tracking, now)  # nor any older one still unused
            note(Checked.LOCKED_OUT)
            return CheckResult(Checked.LOCKED_OUT)
        return CheckResult(Checked.WRONG, MAX_WRONG_TRIES - row.attempts)

    @staticmethod
    def _sent_times(session: Session, merchant_id: int, to: str | None, recipient_phone: str | None, *, own: bool,
                    since: datetime) -> list[datetime]:
        """When each of this merchant's codes went to `to` (whichever of the recipient's parcels it was for: a
        review found a stranger naming each parcel got 3 texts an hour per parcel onto one phone) after `since`,
        from one budget: asked from the recipient's own number, or by anyone else. Oldest first."""
        if not to:
            return []
        mine: ColumnElement[bool] = (
            and_(m.Conversation.address == recipient_phone, m.Conversation.channel.in_(PHONE_CHANNELS))
            if recipient_phone else false()
        )
        return list(session.scalars(
            select(m.OneTimeCode.created_at)
            .join(m.Conversation, m.Conversation.id == m.OneTimeCode.conversation_id)
            .where(m.Conversation.merchant_id == merchant_id, m.OneTimeCode.sent_to == to,
                   m.OneTimeCode.created_at > since,
                   mine if own else not_(mine))
            .order_by(m.OneTimeCode.created_at)
        ))

    @staticmethod
    def _void(session: Session, conversation_id: int, tracking: str, now: datetime) -> None:
        """Every unused code of this conversation for this parcel can no longer be used (marked used now)."""
        session.execute(
            update(m.OneTimeCode)
            .where(m.OneTimeCode.conversation_id == conversation_id, m.OneTimeCode.tracking_number == tracking,
                   m.OneTimeCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )


def _destination(shipment: Shipment) -> tuple[str | None, str]:
    """Where a code for this parcel goes: the recipient's phone by SMS, else their email; (None, "sms") if neither."""
    if not shipment.recipient_phone and shipment.recipient_email:
        return shipment.recipient_email, "email"
    return shipment.recipient_phone or None, "sms"


def _limits(shipment: Shipment, who: Requester) -> tuple[bool, int, timedelta]:
    """Whose budget a request draws on (the recipient's own number, or everyone else's), its size and window."""
    own = bool(who.sender_is_phone and shipment.recipient_phone and who.actor == shipment.recipient_phone)
    return (own, MAX_CODES, CODES_WINDOW) if own else (own, MAX_OTHERS_CODES, OTHERS_WINDOW)


def _budget(sent: list[datetime], limit: int, window: timedelta) -> Budget:
    """`sent`: the codes in the window, oldest first. With none left, the next frees up when the code that
    filled the budget leaves the window (exactly `window` old: the window counts only younger codes)."""
    left = max(0, limit - len(sent))
    if left:
        return Budget(left)
    return Budget(0, sent[len(sent) - limit] + window)  # oldest first already (_sent_times, send)
