"""Domain events over Redis pub/sub, for several web workers and hosts (PARCELBOT_EVENTS=redis).

Each event is published as JSON on two channels: "<prefix>:merchant:<id>" (what one merchant's console
subscribes to; tenants never hear each other) and "<prefix>:all" (operators' tools). Pub/sub is fire and
forget: a subscriber that was away misses events, which is fine because every event is only news of a
row already committed, and a console that reconnects re-reads the database. Publishing has short socket
timeouts, so Redis being away costs a turn half a second at worst, never the turn itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import redis

from bot.core.events import DomainEvent, event_from_json

log = logging.getLogger(__name__)

PREFIX = "parcelbot:events"


def merchant_channel(merchant_id: int, prefix: str = PREFIX) -> str:
    return f"{prefix}:merchant:{merchant_id}"


class RedisEventSink:
    def __init__(self, client: redis.Redis, *, prefix: str = PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = PREFIX) -> RedisEventSink:
        return cls(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5), prefix=prefix)

    def publish(self, events: Iterable[DomainEvent]) -> None:
        pipe = self.client.pipeline(transaction=False)
        count = 0
        for event in events:
            payload = event.to_json()
            pipe.publish(merchant_channel(event.merchant_id, self.prefix), payload)
            pipe.publish(f"{self.prefix}:all", payload)
            count += 1
        if count:
            pipe.execute()

    @contextmanager
    def subscribe(self, merchant_id: int | None = None) -> Iterator[EventStream]:
        """Listen for one merchant's events (or all): `with sink.subscribe(7) as stream: stream.next(5.0)`."""
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        channel = merchant_channel(merchant_id, self.prefix) if merchant_id is not None else f"{self.prefix}:all"
        pubsub.subscribe(channel)
        try:
            yield EventStream(pubsub)
        finally:
            pubsub.close()


class EventStream:
    def __init__(self, pubsub: redis.client.PubSub) -> None:
        self._pubsub = pubsub

    def next(self, timeout: float) -> DomainEvent | None:
        """The next event, or None if none came within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            # None also for a (subscribe) message it skipped: keep waiting until the deadline.
            message = self._pubsub.get_message(timeout=left)
            if message is not None and message.get("type") == "message":
                return event_from_json(message["data"])
        return None
