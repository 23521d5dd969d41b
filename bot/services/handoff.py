"""Who has the conversation: the bot, a queue waiting for a person, a person, or nobody (resolved).

The one place that moves a conversation between owners, for the chat (a shopper asks for a person, a claim
or a lockout hands over, "BOT" hands back) and, later, the agent console and the helpdesk API (take over,
hand back, resolve). Each move is checked against the allowed transitions, audited with who did it, and
announced after commit (ConversationStatusChanged). A conversation with a person is never answered by the
bot (dialogues/router.py), so the two never both answer.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from backend import models as m
from backend.pending import WEBHOOK, PendingWrite, store_pending
from bot.core import audit
from bot.core.conversations import ConversationStore, Status
from bot.core.events import ConversationStatusChanged
from bot.core.uow import UnitOfWork

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.BOT: frozenset({Status.WAITING, Status.WITH_AGENT, Status.RESOLVED}),
    Status.WAITING: frozenset({Status.WITH_AGENT, Status.BOT, Status.RESOLVED}),
    Status.WITH_AGENT: frozenset({Status.BOT, Status.RESOLVED, Status.WAITING}),
    Status.RESOLVED: frozenset({Status.BOT, Status.WAITING, Status.WITH_AGENT}),
}


def subject_of(conv: m.Conversation) -> str:
    """How the audit log names a conversation (its subject column names a parcel for parcel actions)."""
    return f"conv:{conv.id}"


class HandoffError(Exception):
    """A move the conversation's owner does not allow."""


class AlreadyTaken(HandoffError):
    """Another person has the conversation (the console answers 409)."""

    def __init__(self, assignee_id: int | None) -> None:
        super().__init__(f"the conversation is with agent {assignee_id}")
        self.assignee_id = assignee_id


@dataclass(frozen=True)
class HandoffService:
    store: ConversationStore

    def status(self, conv: m.Conversation) -> Status:
        return self.store.status(conv)

    def hand_off(self, uow: UnitOfWork, conv: m.Conversation, *, reason: str, actor: str, now: datetime) -> None:
        """Waiting for a person, with why. Already waiting or with a person: only the reason is kept."""
        if self.status(conv) in (Status.WAITING, Status.WITH_AGENT):
            conv.handoff_reason = reason[:64]
            audit.record(uow.session, at=now, merchant_id=conv.merchant_id, actor=actor, action="handoff",
                         result="requested", channel=conv.channel, subject=subject_of(conv), reason=reason)
            return
        self._move(uow, conv, Status.WAITING, actor=actor, now=now, reason=reason, result="requested")
        conv.waiting_since, conv.handoff_reason, conv.assignee_id = now, reason[:64], None

    def take_over(self, uow: UnitOfWork, conv: m.Conversation, *, agent_id: int, actor: str, now: datetime) -> None:
        """A person takes the conversation; nobody else can while they have it."""
        if self.status(conv) is Status.WITH_AGENT:
            if conv.assignee_id == agent_id:
                return
            raise AlreadyTaken(conv.assignee_id)
        self._move(uow, conv, Status.WITH_AGENT, actor=actor, now=now, result="taken_over", assignee_id=agent_id)
        conv.assignee_id, conv.taken_at = agent_id, now  # the person's time to answer starts now (unanswered)

    def hand_back(self, uow: UnitOfWork, conv: m.Conversation, *, actor: str, now: datetime,
                  result: str = "returned_to_bot") -> None:
        """The bot answers again (the shopper said BOT, or the person is done)."""
        if self.status(conv) is Status.BOT:
            return
        self._move(uow, conv, Status.BOT, actor=actor, now=now, result=result)
        conv.assignee_id, conv.waiting_since, conv.handoff_reason = None, None, None

    def reopen(self, uow: UnitOfWork, conv: m.Conversation, *, actor: str, now: datetime) -> None:
        """A shopper writes again after a person resolved the conversation: the bot has it again."""
        if self.status(conv) is Status.RESOLVED:
            self._move(uow, conv, Status.BOT, actor=actor, now=now, result="reopened")
            conv.assignee_id, conv.waiting_since, conv.handoff_reason = None, None, None

    def resolve(self, uow: UnitOfWork, conv: m.Conversation, *, actor: str, now: datetime) -> None:
        if self.status(conv) is Status.RESOLVED:
            return
        self._move(uow, conv, Status.RESOLVED, actor=actor, now=now, result="resolved")
        conv.waiting_since = None

    def _move(self, uow: UnitOfWork, conv: m.Conversation, target: Status, *, actor: str, now: datetime,
              result: str, reason: str | None = None, assignee_id: int | None = None) -> None:
        previous = self.status(conv)
        if target not in ALLOWED[previous]:
            raise HandoffError(f"a conversation that is {previous.value} can't become {target.value}")
        conv.status = target.value
        audit.record(uow.session, at=now, merchant_id=conv.merchant_id, actor=actor, action="handoff", result=result,
                     channel=conv.channel, subject=subject_of(conv), **({"reason": reason} if reason else {}),
                     **({"assignee_id": assignee_id} if assignee_id is not None else {}))
        event = ConversationStatusChanged(
            merchant_id=conv.merchant_id, at=now, conversation_id=conv.id, status=target.value,
            previous=previous.value, assignee_id=assignee_id, reason=reason, actor=actor,
        )
        uow.publish(event)
        # The merchant's webhook, if it has one (bot/jobs/webhooks.py): kept in this transaction, so a lost job (Redis
        # away) or a helpdesk that is down loses nothing: the periodic send_webhooks sends it, with backoff. The
        # job after commit is only the nudge that sends it at once. Merchants without one cost nothing per move.
        if (conv.merchant.settings or {}).get("handoff_webhook"):
            write = PendingWrite(WEBHOOK, {"event": json.loads(event.to_json())}, f"webhook:{uuid.uuid4().hex}", "")
            store_pending(uow.session, merchant_id=conv.merchant_id, write=write, now=now, first_try_at=now)
            uow.enqueue("send_webhooks")
