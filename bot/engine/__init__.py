"""The conversation engine: one inbound message in, replies out, everything stored.

It knows nothing of HTTP, Twilio or terminals: channels hand it an InboundMessage and render what it
returns. A turn goes:

1. the merchant (a per-worker cache) and what the message means (the NLU, maybe a Rasa server over HTTP),
   with no transaction open;
2. one unit of work (bot/core/uow.py), no savepoint: open the conversation and lock it for the turn, read in
   the same statement as the merchant's row (bot/core/conversations.py); store the inbound message in it (a
   unique constraint, not a cache, catches a retried webhook: its stored replies, nothing runs again); run the
   dialogue (dialogues/), store the new state and the replies, commit; then, and only then, start the jobs
   the turn asked for and publish its events. A dialogue that fails rolls the unit back whole, and a second
   one keeps the message with an honest answer;
3. a remote carrier is never called inside that transaction: the turn stops, the call is made with no
   transaction open, and the turn runs again with the answer (bot/core/carrier.py).

A crash half-way applies nothing; the inbound message is always kept, and the shopper always hears
something (an honest apology at worst).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend import models as m
from backend.db import add_row
from backend.pending import kept_for_conversation
from backend.protocol import Backend, BackendError
from backend.stall import StallGuard
from bot.config import Settings
from bot.core import telemetry
from bot.core.carrier import CarrierAnswers, CarrierSnapshot, NeedsCarrier, keep_ahead, keep_answer
from bot.core.channels import spec_for
from bot.core.conversations import ConversationState, ConversationStore, Status
from bot.core.events import MessageStored
from bot.core.gate import TurnGate
from bot.core.inbound import store_inbound, stored_replies
from bot.core.links import LinkSigner
from bot.core.merchant_cache import CachedMerchant, MerchantCache
from bot.core.merchant_config import MerchantConfig
from bot.core.messages import InboundMessage, Outcome, Reply, clean_text
from bot.core.outage import StoreUnavailable, is_store_outage, lost_connection
from bot.core.outbox import queue_unsent_replies
from bot.core.phone import InvalidPhoneNumber, to_e164
from bot.core.ports import BackendFactory, Clock
from bot.core.spool import MessageSpool, keep_for_later
from bot.core.turn_writes import reply_rows
from bot.core.uow import UnitOfWork
from bot.core.wording import Wording
from bot.engine.kept import not_acted_on, outage_reply, too_late_reply
from bot.engine.understanding import message_clauses, parse, without_classifier
from bot.services import Services
from dialogues import Turn, respond
from intents import NLUUnavailable
from intents.interpreter import Interpreter
from intents.types import ParsedClause, ParseResult

log = logging.getLogger(__name__)

# A turn needs a handful of carrier answers (find, get, options, apply); one that needs more than this many
# (a shopper choosing among dozens of parcels) runs once more asking the carrier from inside its transaction,
# rather than replaying for each: a logged last resort that keeps it working.
MAX_CARRIER_REPLAYS = 24
APOLOGY_TEXT = (
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a minute, "
    "or reply AGENT to talk to a person."
)


class UnknownMerchant(LookupError):
    """The number (or slug) the message was sent to belongs to no merchant here."""


class _StaleMerchant(Exception):
    """The merchant row read in the turn differs from the cached one the message was understood with."""


@dataclass(frozen=True)
class _Understood:
    merchant_id: int
    nlu: ParseResult | None  # None: the NLU is unavailable
    clauses: tuple[ParsedClause, ...] = ()  # a message of several parts: each part parsed on its own
    cached: CachedMerchant | None = None  # understood with a cached merchant: the turn checks it still holds


@dataclass
class Engine:
    settings: Settings
    sessions: sessionmaker[Session]
    uow: Callable[[], UnitOfWork]
    interpreter: Interpreter
    wording: Wording
    links: LinkSigner
    services: Services
    conversations: ConversationStore
    backends: BackendFactory
    clock: Clock
    carrier_calls: Executor
    merchants: MerchantCache = dataclasses.field(default_factory=MerchantCache)
    spool: MessageSpool | None = None  # where a message waits out a database outage (bot/core/spool.py)
    stall_guard: StallGuard | None = None  # a database that stops answering: the turn gives up (backend/stall.py)
    gate: TurnGate = dataclasses.field(default_factory=lambda: TurnGate(0))  # turns at once (bot/core/gate.py)

    def replace(self, **changes: Any) -> Engine:
        """The same engine with some parts swapped (a test's interpreter, clock or carrier)."""
        return dataclasses.replace(self, **changes)

    # -- public ---------------------------------------------------------------------------------------
    def handle(self, message: InboundMessage) -> Outcome:
        started, result = time.perf_counter(), "error"
        try:
            with (self.gate.turn(),
                  self.stall_guard.watching() if self.stall_guard is not None else contextlib.nullcontext()):
                outcome = self._handle_on_a_working_connection(message)
            result = "duplicate" if outcome.duplicate else "apology" if outcome.failed else "answered"
            return outcome
        except UnknownMerchant:
            result = "unknown_merchant"
            raise
        finally:  # in-memory counters only: no query per turn for the metrics
            telemetry.turn_handled(message.channel, result, time.perf_counter() - started)

    def _handle_on_a_working_connection(self, message: InboundMessage) -> Outcome:
        """A turn whose database connection broke is rolled back whole (nothing half-written) and run once more on
        a fresh one; no database: StoreUnavailable, with what to tell the sender (bot/core/outage.py)."""
        # This delivery's name: stored with the row, kept with the message if need be. A kept one keeps its own
        # (none, if it was kept before names existed: the replay then goes by times alone).
        if message.attempt is None and message.kept_at is None:
            message = dataclasses.replace(message, attempt=secrets.token_hex(8))
        for tries_left in (1, 0):
            try:
                return self._handle(message)
            except Exception as exc:
                if not is_store_outage(exc):
                    raise
                # not again after a stall: a fresh connection would wait out the connect timeout too
                stalled = self.stall_guard is not None and self.stall_guard.stalled_here()
                again = bool(tries_left) and lost_connection(exc) and not stalled
                log.warning("database unavailable handling a message (%s)%s", exc.__class__.__name__,
                            "; running the turn once more" if again else "")
                if not again:
                    known = self.merchants.get(message.channel, message.recipient) is not None
                    kept = keep_for_later(self.spool, message, known=known)  # texted once the database is back
                    raise StoreUnavailable(outage_reply(self.wording, message, kept, APOLOGY_TEXT)) from exc
        raise AssertionError("unreachable")

    def _handle(self, message: InboundMessage) -> Outcome:
        message = self._normalise(message)
        now = self.clock()  # one time for the message: every replay of its turn reads the same clock
        understood = self._understand(message, now)
        try:
            outcome = self._replayed(message, understood, now)
        except _StaleMerchant:  # settings saved or a number moved since it was cached: rolled back, read afresh
            self.merchants.forget(message.channel, message.recipient)
            understood = self._understand(message, now)
            outcome = self._replayed(message, understood, now)
        if not outcome.duplicate:  # a retried webhook's message was counted the first time
            telemetry.understood(understood.nlu.intent if understood.nlu is not None else None)
        return outcome

    def _replayed(self, message: InboundMessage, understood: _Understood, now: datetime) -> Outcome:
        """The turn, run again after each carrier call it needed (no transaction open during the call)."""
        answers = CarrierAnswers()
        for _ in range(MAX_CARRIER_REPLAYS):
            try:
                return self._turn(message, understood, answers, now)
            except NeedsCarrier as need:  # rolled back: make the call with no transaction open, then again
                keep_ahead(self.uow, need)  # kept before the call: nothing of the turn is committed yet
                with self.gate.aside():  # waiting on the network: the next turn may run meanwhile
                    answers.fetch(need, executor=self.carrier_calls, deadline=self.settings.slow_backend_seconds)
                self._keep(need, answers)
        log.warning("turn for %s needed more than %d carrier answers: asking inline", message.sender,
                    MAX_CARRIER_REPLAYS)
        # the carrier is asked with the transaction open: seconds held on purpose, not a stalled database
        with self.stall_guard.unwatched() if self.stall_guard is not None else contextlib.nullcontext():
            return self._turn(message, understood, answers, now, inline=True)

    def _keep(self, need: NeedsCarrier, answers: CarrierAnswers) -> None:
        """The write's answer recorded at once, or its slow follow-up queued (bot/core/carrier.py keep_answer)."""
        keep_answer(self.uow, need, answers)

    # -- before the transaction -----------------------------------------------------------------------
    def _normalise(self, message: InboundMessage) -> InboundMessage:
        sender, recipient = message.sender, message.recipient
        if spec_for(message.channel).phone_like:
            sender = to_e164(sender)
            # A slug (cli --to demo) is fine as it is; an unknown number fails later as UnknownMerchant.
            with contextlib.suppress(InvalidPhoneNumber):
                recipient = to_e164(recipient)
        return dataclasses.replace(message, sender=sender, recipient=recipient, text=clean_text(message.text))

    def _understand(self, message: InboundMessage, now: datetime) -> _Understood:
        """The merchant and what the message means, read with no transaction open, so an NLU server over HTTP
        never holds the database. (A retried webhook is caught inside the turn, by a unique constraint.)
        The merchant usually comes from the cache (bot/core/merchant_cache.py): no query at all here."""
        cached = self.merchants.get(message.channel, message.recipient)
        if cached is None:
            with self.sessions() as session:
                merchant = self._merchant(session, message)
                config = MerchantConfig.of(merchant, default_timezone=self.settings.default_timezone)
                self.merchants.put(message.channel, message.recipient, merchant, config)
        else:
            config = cached.config
        merchant_id = config.merchant_id
        try:
            remote = getattr(self.interpreter, "waits_on_network", False)  # a Rasa server: lend the turn's place
            with self.gate.aside() if remote else contextlib.nullcontext():
                nlu = parse(self.interpreter, message.text, config, now)
                parts = message_clauses(self.interpreter, message.text, config, now)
        except NLUUnavailable as exc:
            # An external NLU (a Rasa server) is down or slow past its timeout: keep the message; the turn reads
            # only what needs no classifier (_without_classifier), and says so for the rest.
            log.warning("NLU unavailable: %s", exc)
            nlu, parts = None, ()
        return _Understood(merchant_id, nlu, parts, cached)

    def _merchant(self, session: Session, message: InboundMessage) -> m.Merchant:
        column = getattr(m.Merchant, spec_for(message.channel).merchant_number or "sms_number")
        merchant = session.scalar(select(m.Merchant).where(column == message.recipient))
        if merchant is None:
            merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == message.recipient))
        if merchant is None:
            raise UnknownMerchant(message.recipient)
        return merchant

    # -- the turn, in one unit of work ------------------------------------------------------------------
    def _turn(self, message: InboundMessage, understood: _Understood, answers: CarrierAnswers, now: datetime, *,
              inline: bool = False) -> Outcome:
        """The whole turn in one transaction with no savepoint (a SAVEPOINT and its RELEASE are two round trips
        on every message). If the dialogue fails, the unit of work rolls back whole and the message is kept, with
        an honest answer, in a unit of its own (_answer_instead): the rare path pays a second transaction so that
        every ordinary turn is cheaper."""
        try:
            with self.uow() as uow:
                opened = self._open(uow, message, understood, now)
                if isinstance(opened, Outcome):
                    return opened  # a retried webhook
                merchant, conv, inbound_id = opened
                kept_at = message.kept_at
                state: ConversationState | None = None  # None: the conversation's state is left as it was
                if kept_at is not None and not_acted_on(uow.session, conv.id, message.text, understood.nlu, kept_at,
                                                        now):
                    sent = kept_for_conversation(uow.session, merchant.id, conv.id, kept_at)  # its change went out
                    zone = merchant.timezone or self.settings.default_timezone
                    replies = [Reply(too_late_reply(self.wording, merchant, zone, kept_at, message.channel, now, sent))]
                else:
                    # the cached config when the cache was used: _open has just checked the row still matches it
                    config = understood.cached.config if understood.cached is not None else None
                    replies, state = self._run_turn(uow, merchant, conv, message, understood.nlu, now, answers,
                                                    inline, conv.last_message_at, understood.clauses, config)
                # the new state, the time and the replies: one statement on PostgreSQL (not the ORM's flush)
                rows = reply_rows(merchant.id, message, inbound_id, conv.id, replies, now)
                ids = self.conversations.write_turn(uow.session, conv, state, now, rows)
                self._announce_replies(uow, merchant, message, conv.id, ids, now)
            return Outcome(replies)
        except (NeedsCarrier, _StaleMerchant, UnknownMerchant):
            raise  # rolled back; _replayed makes the call, or _handle reads the merchant afresh
        except BackendError as exc:
            # The carrier or order system isn't answering: say so honestly; the open question is kept (the
            # turn's writes, its new state included, were rolled back).
            log.warning("backend unavailable during a turn: %s", exc)
            return self._answer_instead(message, understood, now, failed=False, wrote=answers.made_a_write())
        except Exception as exc:
            if is_store_outage(exc):
                raise  # no database: _handle_on_a_working_connection decides (run again, or say so)
            # Rolled back whole; the inbound message is kept (never lost), and the shopper hears an honest
            # apology rather than silence.
            log.exception("turn failed for message %s", message.channel_message_id)
            return self._answer_instead(message, understood, now, failed=True)

    def _open(self, uow: UnitOfWork, message: InboundMessage, understood: _Understood, now: datetime, *,
              check_cache: bool = True) -> tuple[m.Merchant, m.Conversation, int] | Outcome:
        """The merchant (checked against the cached one), the conversation locked for the turn, and the inbound
        message stored in it; or, for a message stored before (a retried webhook), its stored answer."""
        session = uow.session
        # The merchant's row and the conversation, locked for the turn, in one statement (the row is read anyway:
        # the cache's check, and the dialogues use it); for a shopper's first message, the merchant alone.
        merchant, found = self.conversations.find_with_merchant(session, understood.merchant_id, message.channel,
                                                                message.sender) or (None, None)
        stale = understood.cached is not None and (merchant is None or not understood.cached.matches(merchant))
        if stale and check_cache:
            raise _StaleMerchant  # the unit of work rolls back (it wrote nothing yet); _handle reads afresh
        if merchant is None:
            raise UnknownMerchant(message.recipient)
        # The conversation first, so the message goes in with it (no UPDATE after). A retried webhook is
        # caught by the unique MessageSid, not by a query first: a statement fewer for every message that is
        # not a retry (almost all). The same webhook twice at once: the second waits on the conversation's
        # lock, then finds the first one's answer; nothing runs twice.
        conv = found if found is not None else self.conversations.create(
            session, merchant, message.channel, message.sender, phone=message.sender_is_phone, lock=True)
        inbound_id = store_inbound(session, merchant.id, message, understood.nlu, conv.id)
        if inbound_id is None:
            if message.kept_at is not None:  # kept, yet stored: committed as the connection broke (or a retry)
                if queue_unsent_replies(session, merchant.id, message.channel, message.channel_message_id,
                                        message.kept_at, message.attempt):
                    uow.enqueue("send_outbox")
                return Outcome([], duplicate=True)
            return Outcome(stored_replies(session, merchant.id, message) or [], duplicate=True)
        uow.publish(MessageStored(merchant_id=merchant.id, at=now, conversation_id=conv.id,
                                  message_id=inbound_id, direction="in", channel=message.channel))
        return merchant, conv, inbound_id

    def _answer_instead(self, message: InboundMessage, understood: _Understood, now: datetime, *,
                        failed: bool, wrote: bool = False) -> Outcome:
        """The turn was rolled back: store the message and an honest answer (the carrier isn't answering, or
        something went wrong on our side); the conversation's state stays as the last turn left it."""
        with self.uow() as uow:
            # The apology in the merchant's wording as read now (settings saved in between change nothing else)
            opened = self._open(uow, message, understood, now, check_cache=False)
            if isinstance(opened, Outcome):
                return opened
            merchant, conv, inbound_id = opened
            text = self._apology(merchant, message.channel) if failed else self._backend_down(merchant, message.channel,
                                                                                              wrote)
            # A later message may have been answered between the two transactions: time never goes back. (The ORM's
            # flush here, not write_turn: the rare path keeps to what it needs, the turn's own writer may be what broke)
            conv.last_message_at = max(conv.last_message_at or now, now)
            replies = [Reply(text)]
            self._store_replies(uow, merchant, message, inbound_id, conv.id, replies, now)
        return Outcome(replies, failed=failed)

    def _run_turn(self, uow: UnitOfWork, merchant: m.Merchant, conv: m.Conversation, message: InboundMessage,
                  nlu: ParseResult | None, now: datetime, answers: CarrierAnswers, inline: bool,
                  previous_message_at: datetime | None, clauses_of_message: tuple[ParsedClause, ...] = (),
                  config: MerchantConfig | None = None) -> tuple[list[Reply], ConversationState | None]:
        """The dialogue's replies, and the conversation's new state to write (None: leave it as it was)."""
        if config is None:
            config = MerchantConfig.of(merchant, default_timezone=self.settings.default_timezone)
        voice = self.wording.voice(config, message.channel)
        if nlu is None:
            nlu = without_classifier(message.text, conv, self.conversations.state(conv), config, now)
            if nlu is None:
                return [Reply(voice("utter_nlu_down"))], None
        reopened = conv.status == Status.RESOLVED.value
        if reopened:  # a new message after a person closed it: the bot answers again
            self.services.handoff.reopen(uow, conv, actor=message.sender, now=now)
        state = self.conversations.state(conv)
        turn = Turn(
            uow=uow, settings=self.settings, merchant=merchant, config=config, conversation=conv, state=state,
            message=message, text=message.text, nlu=nlu,
            backend=self._backend(uow.session, merchant, now, answers, inline=inline),
            now=now, voice=voice, links=self.links, services=self.services, last_seen=previous_message_at,
            clauses=clauses_of_message, wrote_at_carrier=answers.made_a_write(),
        )
        if not reopened:  # _turn rolls the whole turn back on an error: no savepoint needed
            respond(turn)
            return turn.replies, turn.state
        try:  # the reopening stays even if the carrier is down
            with uow.savepoint():
                respond(turn)
        except BackendError as exc:
            # The carrier or order system isn't answering: say so honestly, keep the open question.
            log.warning("backend unavailable during a turn: %s", exc)
            return [Reply(self._backend_down(merchant, message.channel, answers.made_a_write()))], None
        return turn.replies, turn.state

    def _backend(self, session: Session, merchant: m.Merchant, now: datetime, answers: CarrierAnswers, *,
                 inline: bool = False) -> Backend:
        backend = self.backends(session, merchant, now)
        if getattr(backend, "is_remote", True):
            return CarrierSnapshot(backend, answers, inline=inline)
        return backend

    def _backend_down(self, merchant: m.Merchant, channel: str, wrote: bool = False) -> str:
        """"Nothing has been changed", unless this message's change already went to the carrier (a later read then
        failed): that one is told it has gone, and retry_pending texts its outcome (review: it was told nothing
        had changed, and asking again made it twice)."""
        key = "utter_backend_down_after_change" if wrote else "utter_backend_down"
        try:
            return self.wording.render(key, merchant=merchant, channel=channel)
        except Exception:  # never silence
            return APOLOGY_TEXT

    def _apology(self, merchant: m.Merchant, channel: str) -> str:
        try:
            return self.wording.render("utter_something_went_wrong", merchant=merchant, channel=channel)
        except Exception:  # the wording itself is what broke: the plain default, never silence
            return APOLOGY_TEXT

    def _store_replies(self, uow: UnitOfWork, merchant: m.Merchant, message: InboundMessage, inbound_id: int,
                       conversation_id: int, replies: list[Reply], now: datetime) -> None:
        """The replies alone, one prebuilt INSERT each (backend/db.add_row): the rare path's (_answer_instead)."""
        ids = [add_row(uow.session, m.Message, row)
               for row in reply_rows(merchant.id, message, inbound_id, conversation_id, replies, now)]
        self._announce_replies(uow, merchant, message, conversation_id, ids, now)

    def _announce_replies(self, uow: UnitOfWork, merchant: m.Merchant, message: InboundMessage, conversation_id: int,
                          ids: list[int | None], now: datetime) -> None:
        """Once committed: each stored reply announced, and a kept message's replies sent by text."""
        for row_id in ids:
            uow.publish(MessageStored(merchant_id=merchant.id, at=now, conversation_id=conversation_id,
                                      message_id=row_id, direction="out", channel=message.channel))
        if message.late and ids:
            uow.enqueue("send_outbox")  # after the commit; the periodic send_outbox is the safety net
