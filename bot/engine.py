"""The conversation engine: one inbound message in, replies out, everything stored.

It knows nothing of HTTP, Twilio or terminals: channels hand it an InboundMessage and render what it
returns. One database transaction covers the whole turn (inbound message, state, changes, audit,
replies), so a crash half-way applies nothing, and a channel message id seen before returns the
stored replies without running the flow again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import dialogues
from backend import models as m
from backend.protocol import Backend, BackendError
from bot.config import Settings
from bot.messages import InboundMessage, Outcome, Reply, clean_text
from bot.phone import InvalidPhoneNumber, to_e164
from bot.templates import render
from intents import NLUUnavailable
from intents.context import ParseContext
from intents.types import OUT_OF_SCOPE, ParseResult

log = logging.getLogger(__name__)

BackendFactory = Callable[[Session, m.Merchant, datetime], Backend]
PHONE_CHANNELS = {"sms", "whatsapp", "cli"}


def _redact_secrets(text: str) -> str:
    """Gate, door and key-safe codes never rest in clear in the message log, whatever journey they came in."""
    from dialogues.add_delivery_note import find_access_codes

    for code in reversed(find_access_codes(text)):
        text = text[: code.start] + "•" * (code.end - code.start) + text[code.end :]
    return text


class UnknownMerchant(LookupError):
    """The number (or slug) the message was sent to belongs to no merchant here."""


def default_backend_factory(session: Session, merchant: m.Merchant, now: datetime) -> Backend:
    from backend.registry import backend_for

    return backend_for(session, merchant, now=now)


APOLOGY = Reply(
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a minute, "
    "or reply AGENT to talk to a person."
)


class Engine:
    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        interpreter,  # noqa: ANN001 - anything with parse(text, context) -> ParseResult
        *,
        backend_factory: BackendFactory = default_backend_factory,
        enqueue: Callable[..., None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = session_factory
        self.interpreter = interpreter
        self.backend_factory = backend_factory
        self.enqueue = enqueue or (lambda *a, **k: None)
        self.clock = clock or (lambda: datetime.now(UTC))

    # -- public ---------------------------------------------------------------------------------------
    def handle(self, message: InboundMessage) -> Outcome:
        message = self._normalise(message)
        # Jobs a turn asks for (send the code it queued...) start only once the turn is committed, so a
        # worker never looks for a row that isn't there yet, and a rolled-back turn starts nothing.
        deferred: list[tuple[tuple, dict]] = []
        outcome = self._handle(message, deferred)
        for args, kwargs in deferred:
            self.enqueue(*args, **kwargs)
        return outcome

    def _handle(self, message: InboundMessage, deferred: list[tuple[tuple, dict]]) -> Outcome:
        with self.sessions() as session, session.begin():
            merchant = self._merchant(session, message)
            if message.channel_message_id:
                stored = self._stored_replies(session, message)
                if stored is not None:
                    return Outcome(stored, duplicate=True)
            inbound = m.Message(
                merchant_id=merchant.id,
                direction="in",
                channel=message.channel,
                channel_message_id=message.channel_message_id,
                sender=message.sender,
                recipient=message.recipient,
                body=_redact_secrets(message.text),
                media_urls=[md.url for md in message.media],
                status="received",
            )
            try:
                with session.begin_nested():
                    session.add(inbound)
                    session.flush()
            except IntegrityError:
                # The same webhook arrived twice at once; the other request owns this turn.
                stored = self._stored_replies(session, message)
                return Outcome(stored or [], duplicate=True)
            try:
                with session.begin_nested():
                    replies = self._run_turn(session, merchant, message, inbound, deferred)
            except Exception:
                deferred.clear()
                # The turn's changes are rolled back to the savepoint; the inbound message is kept
                # (never lost), and the shopper hears an honest apology rather than silence.
                log.exception("turn failed for message %s", inbound.id)
                replies = [APOLOGY]
                self._store_replies(session, merchant, message, inbound, replies)
        return Outcome(replies)

    # -- steps ----------------------------------------------------------------------------------------
    def _normalise(self, message: InboundMessage) -> InboundMessage:
        sender, recipient = message.sender, message.recipient
        if message.channel in PHONE_CHANNELS:
            sender = to_e164(sender)
            # A slug (cli --to demo) is fine as it is; an unknown number fails later as UnknownMerchant.
            with contextlib.suppress(InvalidPhoneNumber):
                recipient = to_e164(recipient)
        return InboundMessage(
            channel=message.channel,
            sender=sender,
            recipient=recipient,
            text=clean_text(message.text),
            media=message.media,
            channel_message_id=message.channel_message_id,
        )

    def _merchant(self, session: Session, message: InboundMessage) -> m.Merchant:
        column = m.Merchant.whatsapp_number if message.channel == "whatsapp" else m.Merchant.sms_number
        merchant = session.scalar(select(m.Merchant).where(column == message.recipient))
        if merchant is None:
            merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == message.recipient))
        if merchant is None:
            raise UnknownMerchant(message.recipient)
        return merchant

    def _stored_replies(self, session: Session, message: InboundMessage) -> list[Reply] | None:
        inbound = session.scalar(
            select(m.Message).where(
                m.Message.direction == "in",
                m.Message.channel == message.channel,
                m.Message.channel_message_id == message.channel_message_id,
            )
        )
        if inbound is None:
            return None
        rows = session.scalars(
            select(m.Message).where(m.Message.in_reply_to_id == inbound.id).order_by(m.Message.id)
        )
        return [Reply(r.body, tuple(r.media_urls or ())) for r in rows if r.status == "reply"]

    def _conversation(self, session: Session, merchant: m.Merchant, message: InboundMessage) -> m.Conversation:
        conv = session.scalar(
            select(m.Conversation).where(
                m.Conversation.merchant_id == merchant.id,
                m.Conversation.channel == message.channel,
                m.Conversation.address == message.sender,
            )
        )
        if conv is not None:
            return conv
        contact = None
        if message.sender.startswith("+"):
            contact = session.scalar(
                select(m.Contact).where(m.Contact.merchant_id == merchant.id, m.Contact.phone == message.sender)
            )
            if contact is None:
                contact = m.Contact(merchant_id=merchant.id, phone=message.sender)
                session.add(contact)
        conv = m.Conversation(
            merchant_id=merchant.id, contact=contact, channel=message.channel, address=message.sender, state={}
        )
        session.add(conv)
        session.flush()
        return conv

    def parse(self, text: str, merchant: m.Merchant, now: datetime) -> ParseResult:
        if not text:
            return ParseResult(text="", intent=OUT_OF_SCOPE, confidence=0.0)
        rules = merchant.settings or {}
        context = ParseContext(
            timezone=merchant.timezone or self.settings.default_timezone,
            now=now,
            region=rules.get("region", "GB"),
            order_number_pattern=rules.get("order_number_pattern"),
            tracking_number_pattern=rules.get("tracking_number_pattern"),
        )
        return self.interpreter.parse(text, context)

    def _run_turn(
        self,
        session: Session,
        merchant: m.Merchant,
        message: InboundMessage,
        inbound: m.Message,
        deferred: list[tuple[tuple, dict]],
    ) -> list[Reply]:
        now = self.clock()
        conv = self._conversation(session, merchant, message)
        inbound.conversation_id = conv.id
        try:
            nlu = self.parse(message.text, merchant, now)
        except NLUUnavailable as exc:
            # An external NLU (a Rasa server) is down: keep the message, say so, change nothing.
            log.warning("NLU unavailable: %s", exc)
            replies = [Reply(render("utter_nlu_down", (merchant.settings or {}).get("responses")))]
            conv.last_message_at = now
            self._store_replies(session, merchant, message, inbound, replies, conv.id)
            return replies
        inbound.intent, inbound.confidence = nlu.intent, nlu.confidence
        turn = dialogues.Turn(
            session=session,
            settings=self.settings,
            merchant=merchant,
            conversation=conv,
            message=message,
            text=message.text,
            nlu=nlu,
            backend=self.backend_factory(session, merchant, now),
            now=now,
            enqueue=lambda *args, **kwargs: deferred.append((args, kwargs)),
        )
        try:
            with session.begin_nested():
                dialogues.respond(turn)
        except BackendError as exc:
            deferred.clear()
            # The carrier or order system isn't answering: say so honestly, keep the open question.
            log.warning("backend unavailable during a turn: %s", exc)
            turn.replies = [Reply(turn.render("utter_backend_down"))]
        conv.last_message_at = now
        self._store_replies(session, merchant, message, inbound, turn.replies, conv.id)
        return turn.replies

    def _store_replies(
        self,
        session: Session,
        merchant: m.Merchant,
        message: InboundMessage,
        inbound: m.Message,
        replies: list[Reply],
        conversation_id: int | None = None,
    ) -> None:
        now = self.clock()
        for reply in replies:
            session.add(
                m.Message(
                    merchant_id=merchant.id,
                    conversation_id=conversation_id or inbound.conversation_id,
                    direction="out",
                    channel=message.channel,
                    sender=message.recipient,
                    recipient=message.sender,
                    body=reply.text,
                    media_urls=list(reply.media_urls),
                    status="reply",
                    in_reply_to_id=inbound.id,
                    created_at=now,
                )
            )
