"""Domain events over Redis pub/sub, for several web workers and hosts (PARCELBOT_EVENTS=redis).

A unit of work's events for one merchant go out as one PUBLISH of a JSON array on "<prefix>:merchant:<id>" (what
that merchant's console subscribes to; tenants never hear each other); operators' tools hear every merchant by
pattern ("<prefix>:merchant:*"). One command a turn, where an event per message on two channels was four: the
turn pays for each in CPU (docs/performance.md). Pub/sub is fire and forget: a subscriber that was away misses
events, which is fine because every event is only news of a row already committed, and a console that
reconnects re-reads the database. Publishing has short socket timeouts, so Redis being away costs a turn half a
second at worst, never the turn itself.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import redis

from bot.core.events import DomainEvent, event_from_dict
from bot.core.ports import ServiceAway

log = logging.getLogger(__name__)

PREFIX = "parcelbot:events"


def merchant_channel(merchant_id: int | str, prefix: str = PREFIX) -> str:
    return f"{prefix}:merchant:{merchant_id}"


class RedisEventSink:
    def __init__(self, client: redis.Redis, *, prefix: str = PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = PREFIX) -> RedisEventSink:
        return cls(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5), prefix=prefix)

    def publish(self, events: Iterable[DomainEvent]) -> None:
        """One PUBLISH (a pipeline for several merchants). Redis away: ServiceAway, saying so in one line."""
        batch = list(events)
        try:
            self._publish(batch)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            where = self.client.get_connection_kwargs()
            raise ServiceAway(f"{len(batch)} event(s) not published (live updates missed): Redis at "
                              f"{where.get('host')}:{where.get('port')} did not answer: {exc}") from None

    def _publish(self, events: Iterable[DomainEvent]) -> None:
        by_merchant: dict[int, list[str]] = {}
        for event in events:
            by_merchant.setdefault(event.merchant_id, []).append(event.to_json())
        if len(by_merchant) == 1:  # a turn: one merchant, one command, no pipeline
            (merchant_id, payloads), = by_merchant.items()
            self.client.publish(merchant_channel(merchant_id, self.prefix), _array(payloads))
        elif by_merchant:
            pipe = self.client.pipeline(transaction=False)
            for merchant_id, payloads in by_merchant.items():
                pipe.publish(merchant_channel(merchant_id, self.prefix), _array(payloads))
            pipe.execute()

    @contextmanager
    def subscribe(self, merchant_id: int | None = None) -> Iterator[EventStream]:
        """Listen for one merchant's events (or all): `with sink.subscribe(7) as stream: stream.next(5.0)`."""
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        if merchant_id is not None:
            pubsub.subscribe(merchant_channel(merchant_id, self.prefix))
        else:
            pubsub.psubscribe(merchant_channel("*", self.prefix))
        try:
            yield EventStream(pubsub)
        finally:
            pubsub.close()


def _decoded(data: str | bytes) -> list[DomainEvent]:
    """A published message's events: an array (this format), or one event (a worker of the previous release, during
    a rolling deploy). Anything unreadable is skipped and logged: a live view must not die of one bad message."""
    try:
        parsed = json.loads(data)
        return [event_from_dict(e) for e in (parsed if isinstance(parsed, list) else [parsed])]
    except (ValueError, KeyError, TypeError):
        log.warning("skipped an event message that could not be read: %.200r", data)
        return []


def _array(payloads: list[str]) -> str:
    """Events already JSON, as one JSON array (no decode and encode again)."""
    return "[" + ",".join(payloads) + "]"


class EventStream:
    def __init__(self, pubsub: redis.client.PubSub) -> None:
        self._pubsub = pubsub
        self._pending: deque[DomainEvent] = deque()

    def next(self, timeout: float) -> DomainEvent | None:
        """The next event, or None if none came within `timeout` seconds."""
        if self._pending:
            return self._pending.popleft()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            # None also for a (subscribe) message it skipped: keep waiting until the deadline.
            message = self._pubsub.get_message(timeout=left)
            if message is not None and message.get("type") in ("message", "pmessage"):
                self._pending.extend(_decoded(message["data"]))
                if self._pending:
                    return self._pending.popleft()
        return None
