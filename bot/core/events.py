"""Domain events: what happened, announced only after it is committed.

A live console across several web workers, the web widget and the dashboards all need to hear "a message
was stored", "the conversation was handed off", "a change was applied". Code records an event on its unit
of work (bot/core/uow.py); the unit of work hands it to the EventSink only after its transaction commits,
so a rolled-back turn announces nothing, and nothing is announced that a reader can't then find in the
database. Delivery is at most once and best effort: the database stays the truth, and a subscriber that
missed something (a restart, Redis away) re-reads it from there.

Sinks: InProcessEventSink here (the embedded default: one process, subscribers are callbacks), and
bot/adapters/redis_events.py (Redis pub/sub, for several workers and hosts).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from bot.core.ports import ServiceAway

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    """Every event names its merchant (subscribers are per merchant: tenants never see each other's events)."""

    kind: ClassVar[str] = "event"
    merchant_id: int
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> str:
        # A shallow read of the fields, not dataclasses.asdict: that deep-copies every value, and every turn
        # serialises a few events (2-3 % of a turn's CPU, docs/performance.md); the values are only read here.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["at"] = self.at.isoformat()
        return json.dumps({"kind": self.kind, **data}, sort_keys=True, default=str)


@dataclass(frozen=True)
class MessageStored(DomainEvent):
    """A message in or out was stored on a conversation (inbound, a reply, or an outbox message)."""

    kind: ClassVar[str] = "message_stored"
    conversation_id: int | None = None
    message_id: int | None = None
    direction: str = "in"
    channel: str = ""


@dataclass(frozen=True)
class ConversationStatusChanged(DomainEvent):
    """Who has the conversation changed: handed off, taken over, handed back, resolved."""

    kind: ClassVar[str] = "conversation_status"
    conversation_id: int | None = None
    status: str = ""
    previous: str = ""
    assignee_id: int | None = None
    reason: str | None = None
    actor: str = ""


@dataclass(frozen=True)
class ChangeApplied(DomainEvent):
    """A delivery change got its answer from the carrier (accepted, rejected or pending)."""

    kind: ClassVar[str] = "change_applied"
    tracking_number: str = ""
    action: str = ""
    status: str = ""
    reference: str | None = None
    conversation_id: int | None = None


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.kind: cls for cls in (MessageStored, ConversationStatusChanged, ChangeApplied)
}


def event_from_dict(data: dict[str, Any]) -> DomainEvent:
    """An event a sink published, decoded from JSON (for subscribers in other processes: bot/adapters)."""
    data = dict(data)
    cls = EVENT_TYPES[data.pop("kind")]
    known = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if k in known}
    values["at"] = datetime.fromisoformat(values["at"])
    return cls(**values)


class EventSink(Protocol):
    def publish(self, events: Iterable[DomainEvent]) -> None: ...


Subscriber = Callable[[DomainEvent], None]


class InProcessEventSink:
    """One process: subscribers are called in the publishing thread, after commit. A failing subscriber is
    logged and never fails the turn that published (the turn is already committed)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` with every event from now on; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, events: Iterable[DomainEvent]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for event in events:
            for callback in subscribers:
                try:
                    callback(event)
                except Exception:
                    log.exception("event subscriber failed on %s", event.kind)


class FanOutEventSink:
    """Several sinks at once (in-process subscribers and Redis, say)."""

    def __init__(self, *sinks: EventSink) -> None:
        self.sinks = sinks

    def publish(self, events: Iterable[DomainEvent]) -> None:
        batch = list(events)
        for sink in self.sinks:
            try:
                sink.publish(batch)
            except ServiceAway as away:  # an outage: one line a turn, not a traceback (docs/faults.md 3)
                log.warning("%s", away)
            except Exception:
                log.exception("event sink %s failed", type(sink).__name__)


def describe(events: Iterable[DomainEvent]) -> list[dict[str, Any]]:
    """Events as plain dicts (logs, tests)."""
    return [json.loads(e.to_json()) for e in events]
