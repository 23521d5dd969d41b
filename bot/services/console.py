"""What a person does with a conversation: take it over, write to the shopper, leave a note, hand it back or
resolve it. The agent console and a helpdesk integration (the conversation API) both come through here.

Why a service of its own: ownership moves through the HandoffService (audited, announced after commit, a
second taker refused), and every word to the shopper goes through the outbox on the shopper's own channel,
in the merchant's wording, like everything else the bot sends. So the bot and a person never both answer
(dialogues/router.py stays silent while a person has the conversation), and nothing is sent twice or lost.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import models as m
from bot.core import audit
from bot.core.conversations import ConversationStore, Status
from bot.core.events import MessageStored
from bot.core.messages import clean_text
from bot.core.outbox import OptedOut, Queued, announced, by_key, queue_message
from bot.core.uow import UnitOfWork
from bot.core.wording import Wording
from bot.services.handoff import HandoffService, subject_of

# Why a person can't write to (or hand back) a conversation nobody has: what it is now, then what to do.
_NOT_WITH_A_PERSON = {
    Status.BOT.value: "the bot has this conversation now (it was handed back): take it over first",
    Status.RESOLVED.value: "this conversation is resolved: take it over first to write again",
}
MAX_TEXT = 1600  # ten SMS segments: a person can explain more than the bot, not an essay
ONCE_MAX = 64  # a reply's once-key: the console form's token, or a helpdesk's idempotency_key


class ConsoleError(Exception):
    """A request the conversation's state doesn't allow; `status` is the HTTP answer (409, 422)."""

    def __init__(self, message: str, status: int = 409, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors  # a 422's field -> what is wrong with it, when one field is to blame


@dataclass(frozen=True)
class Actor:
    """Who acts: a console user (agent_id) or a helpdesk integration through an API key (agent_id None)."""

    actor: str  # for the audit log: "agent:sam@shop.example", "api:pb_12ab"
    name: str  # what the shopper is told: "Sam", or the integration's name
    agent_id: int | None = None


@dataclass(frozen=True)
class ConsoleService:
    handoff: HandoffService
    wording: Wording

    # -- moving the conversation ------------------------------------------------------------------------
    def take_over(self, uow: UnitOfWork, conv: m.Conversation, who: Actor, *, now: datetime) -> None:
        """The person has it; the bot goes quiet and the shopper is told who joined. 409 if someone else has it."""
        already = conv.status == Status.WITH_AGENT.value and conv.assignee_id == who.agent_id
        self.handoff.take_over(uow, conv, agent_id=who.agent_id, actor=who.actor, now=now)  # type: ignore[arg-type]
        if not already:
            self._tell(uow, conv, "utter_agent_joined", now=now, name=who.name)

    def hand_back(self, uow: UnitOfWork, conv: m.Conversation, who: Actor, *, now: datetime) -> None:
        self._own(conv, who)
        self.handoff.hand_back(uow, conv, actor=who.actor, now=now)
        self._tell(uow, conv, "utter_agent_handed_back", now=now, name=who.name)

    def resolve(self, uow: UnitOfWork, conv: m.Conversation, who: Actor, *, now: datetime,
                survey: bool = False) -> None:
        """Resolved once: a second resolve (two people at once, a double click) is refused, not a second
        goodbye texted to the shopper nor the survey moved to the later person."""
        if conv.status == Status.RESOLVED.value:
            raise ConsoleError("this conversation is already resolved")
        if conv.status == Status.WITH_AGENT.value:
            self._own(conv, who)
        self.handoff.resolve(uow, conv, actor=who.actor, now=now)
        if survey:  # the shopper's next message, if it is 1-5, is their rating of this person (kit/survey.py)
            state = ConversationStore.state(conv)
            state.survey_for = who.actor
            ConversationStore.save(conv, state)
        self._tell(uow, conv, "utter_agent_resolved_survey" if survey else "utter_agent_resolved", now=now,
                   name=who.name)

    def return_unanswered(self, uow: UnitOfWork, conv: m.Conversation, *, now: datetime) -> None:
        """Nobody answered for too long: the bot has the conversation again, and the shopper is told so."""
        self.handoff.hand_back(uow, conv, actor="system:unanswered", now=now, result="returned_unanswered")
        self._tell(uow, conv, "utter_agent_timed_out", now=now)

    # -- writing ----------------------------------------------------------------------------------------
    def reply(self, uow: UnitOfWork, conv: m.Conversation, who: Actor, text: str, *, now: datetime,
              once: str | None = None) -> m.Message:
        """A person's message to the shopper, over the shopper's own channel through the outbox.

        `once`: the same reply sent again (a double click on Send, a resubmitted form, a helpdesk retrying
        after a timeout) carries the same key and text, and is the message already queued, not a second text.
        Held by the outbox's unique (merchant, dedupe key), so two workers at once can't both queue it
        (once_key)."""
        self._own(conv, who)
        body = _text(text)
        key = once_key("reply", conv, once, body)
        # Kept before the outbox's own look on purpose (not text_once: a repeat answers with the first message): the
        # common repeat, a double click, is answered without opening a savepoint; and the race between this look
        # and the INSERT is made deterministic by patching it (tests/console/test_reply_committed_between_look_...).
        if key is not None and (earlier := by_key(uow.session, conv.merchant_id, key)) is not None:
            return earlier
        try:
            with uow.session.begin_nested():
                queued = self._send(uow, conv, body, author=who.actor, dedupe_key=key)
        except OptedOut:  # STOP while a person had the conversation: nothing more may be texted (was a 500)
            raise ConsoleError("the shopper texted STOP, so nothing more can be sent to them; leave a note or "
                               "resolve the conversation") from None
        except IntegrityError:  # the same reply, queued by another worker meanwhile
            earlier = by_key(uow.session, conv.merchant_id, key) if key is not None else None
            if earlier is None:
                raise
            return earlier
        msg = queued.message
        if queued.existed:  # ...and committed before this one's INSERT: the outbox found it
            return msg
        audit.record(uow.session, at=now, merchant_id=conv.merchant_id, actor=who.actor, action="agent_message",
                     result="queued", channel=conv.channel, subject=subject_of(conv), message_id=msg.id)
        return msg

    def note(self, uow: UnitOfWork, conv: m.Conversation, who: Actor, text: str, *, now: datetime,
             once: str | None = None) -> m.ConversationNote:
        """An internal note: for the team, never sent. `once` as for reply(): the same note posted twice (a
        double click on "Add note", a resubmitted form, a helpdesk's retry) is the note already kept. The
        callers hold the conversation's row lock; the unique (conversation, key) holds it without one."""
        body = _text(text)
        key = once_key("note", conv, once, body)
        if key is not None and (earlier := _note_by_key(uow.session, conv.id, key)) is not None:
            return earlier
        row = m.ConversationNote(conversation_id=conv.id, author=who.actor, body=body, created_at=now,
                                 dedupe_key=key)
        try:
            with uow.session.begin_nested():
                uow.session.add(row)
                uow.session.flush()
        except IntegrityError:  # the same note, kept by another worker meanwhile
            earlier = _note_by_key(uow.session, conv.id, key) if key is not None else None
            if earlier is None:
                raise
            return earlier
        audit.record(uow.session, at=now, merchant_id=conv.merchant_id, actor=who.actor, action="agent_note",
                     result="added", channel=conv.channel, subject=subject_of(conv))
        uow.publish(MessageStored(merchant_id=conv.merchant_id, at=now, conversation_id=conv.id,
                                  message_id=-row.id, direction="note", channel="console"))
        return row

    # -- assignment -------------------------------------------------------------------------------------
    def next_for(self, uow: UnitOfWork, merchant_id: int, who: Actor, *, cap: int, now: datetime,
                 ) -> m.Conversation | None:
        """The longest-waiting conversation for this person, if they are under their cap (so work spreads
        across agents by how much each already has open). Locked while it is taken, so two agents asking at
        once get two different conversations (PostgreSQL: SKIP LOCKED; SQLite serialises writers anyway)."""
        session = uow.session
        # The person's own row, locked: their requests at once (a double click, two tabs) count one after
        # the other. Counted unlocked, each saw room under the cap and each took one (6 open for a cap of 1).
        session.execute(select(m.User.id).where(m.User.id == who.agent_id).with_for_update())
        mine = session.scalar(select(func.count()).select_from(m.Conversation).where(
            m.Conversation.merchant_id == merchant_id, m.Conversation.status == Status.WITH_AGENT.value,
            m.Conversation.assignee_id == who.agent_id))
        if (mine or 0) >= cap:
            return None
        conv = session.scalar(
            select(m.Conversation)
            .where(m.Conversation.merchant_id == merchant_id, m.Conversation.status == Status.WAITING.value)
            .order_by(m.Conversation.waiting_since.asc().nulls_last(), m.Conversation.id)
            .limit(1).with_for_update(skip_locked=True))
        if conv is not None:
            self.take_over(uow, conv, who, now=now)
        return conv

    # -- helpers ----------------------------------------------------------------------------------------
    def _own(self, conv: m.Conversation, who: Actor) -> None:
        if conv.status != Status.WITH_AGENT.value:  # say what happened: two people at once, the later one reads it
            raise ConsoleError(_NOT_WITH_A_PERSON.get(conv.status, "take the conversation over first"))
        if conv.assignee_id != who.agent_id:
            raise ConsoleError("someone else has this conversation")

    def _tell(self, uow: UnitOfWork, conv: m.Conversation, key: str, *, now: datetime, **values: str) -> None:
        merchant = uow.session.get(m.Merchant, conv.merchant_id)
        body = self.wording.render(key, merchant=merchant, channel=conv.channel, **values)
        with suppress(OptedOut):  # the shopper said STOP: nothing more is texted, the conversation still moves
            self._send(uow, conv, str(body), author=None)

    def _send(self, uow: UnitOfWork, conv: m.Conversation, body: str, *, author: str | None,
              dedupe_key: str | None = None) -> Queued:
        """Through the outbox; a message found under the key is the earlier one, left as it was (not sent again)."""
        merchant = uow.session.get(m.Merchant, conv.merchant_id)
        queued = queue_message(uow.session, merchant=merchant, channel=conv.channel, to=conv.address, body=body,
                               conversation_id=conv.id, dedupe_key=dedupe_key)
        if not queued.existed:
            queued.message.author = author
            uow.enqueue("send_outbox")
            uow.publish(announced(queued.message))
        return queued


def once_key(kind: str, conv: m.Conversation, once: str | None, body: str) -> str | None:
    """What makes a person's reply or note the same one posted again: the form's once-token (a helpdesk's
    idempotency_key) and the text. The text is part of it: a form brought back with the browser's Back button
    and written again is a new message, not one silently dropped."""
    return f"{kind}:{conv.id}:{once}:{hashlib.sha256(body.encode()).hexdigest()[:16]}" if once else None


def _note_by_key(session: Session, conversation_id: int, key: str) -> m.ConversationNote | None:
    return session.scalar(select(m.ConversationNote).where(m.ConversationNote.conversation_id == conversation_id,
                                                           m.ConversationNote.dedupe_key == key))


def line_breaks(text: str) -> str:
    """Line breaks as one character each, as the reply box counts them (maxlength): a browser submits them
    as CRLF, which counted twice refused a reply the box had allowed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def too_long(text: str) -> str | None:
    """Why a person's text can't be sent for its length (counted as the reply box counts), or None."""
    size = len(line_breaks(text))
    return f"too long: {size} characters, at most {MAX_TEXT}" if size > MAX_TEXT else None


def _text(text: str) -> str:
    """A person's text as it is sent and kept: their line breaks (a paragraph, a list) and their length (up
    to MAX_TEXT, not the 320 of a wording value it was once cut to), without unseen characters. Their < and >
    stay ("the code is <1234>", "a -> b", "<3"): they are GSM-7, so an SMS carries them as written, and every
    page shows the text escaped (Jinja's autoescape; the demo chat inserts text nodes), never as markup. They
    were stripped as a wording value's are, which cost the shopper what the person wrote."""
    if (why := too_long(text)) is not None:
        raise ConsoleError(why, status=422, errors={"text": why})
    body = clean_text(line_breaks(text), to_send=True)  # their quotes too: 'Reply "YES" to confirm'
    body = re.sub(r"\n{3,}", "\n\n", re.sub(r" *\n *", "\n", body)).strip()
    if not body:
        raise ConsoleError(f"write between 1 and {MAX_TEXT} characters", status=422)
    return body


def unanswered(session: Session, *, now: datetime, after: timedelta,
               conversation_id: int | None = None) -> list[m.Conversation]:
    """Conversations a person has, where the shopper wrote last and nobody answered for `after`: the person
    has gone (a shift ended, a browser closed). A conversation still waiting in the queue stays there: the
    shopper was told when someone will reply. `conversation_id`: only that one (the job's re-check under its
    lock).

    The person's time runs from the later of the shopper's last message and the takeover (taken_at): timed
    from the message alone, a conversation that had waited in the queue longer than `after` went back to the
    bot a minute after it was taken, just as the shopper was told "Sam has joined" (review 4). A row taken
    over by a release before taken_at existed is timed from the message, as then.

    One statement, whatever the number of conversations people have: it was two per conversation, and the
    job ran it again for each one it returned, so a shift leaving a few thousand open ran millions of
    statements a minute on every worker, each inside an open transaction."""
    said = m.Message.conversation_id == m.Conversation.id
    last_in = (select(func.max(m.Message.created_at)).where(said, m.Message.direction == "in")
               .correlate(m.Conversation).scalar_subquery())
    last_person = (select(func.max(m.Message.created_at)).where(said, m.Message.author.is_not(None))
                   .correlate(m.Conversation).scalar_subquery())
    since = now - after
    q = select(m.Conversation).where(
        m.Conversation.status == Status.WITH_AGENT.value, last_in.is_not(None), last_in <= since,
        or_(m.Conversation.taken_at.is_(None), m.Conversation.taken_at <= since),
        or_(last_person.is_(None), last_person < last_in)).order_by(m.Conversation.id)
    if conversation_id is not None:
        q = q.where(m.Conversation.id == conversation_id)
    return list(session.scalars(q))
