"""Whether the Redis this process shares work through answers, for /healthz (bot/web/pages.py).

A host whose Redis is away still answers shoppers (docs/faults.md 3), so this never fails the health check: it makes
it "degraded". Asked only of the Redis the settings use (the queue's broker, the events' and kept messages' Redis);
the one-machine default has none and is never asked. Half-second timeouts, as the event sink's: a Redis that hangs
costs a probe a second at worst."""

from __future__ import annotations

from collections.abc import Iterable

import redis


class RedisHealth:
    def __init__(self, urls: Iterable[str]) -> None:
        self._clients = [redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
                         for url in dict.fromkeys(urls)]  # fmt: skip

    def ok(self) -> bool:
        """Every Redis answers a PING (a connection a restart left dead is replaced by redis-py and asked again)."""
        for client in self._clients:
            try:
                client.ping()
            except (redis.RedisError, OSError):
                return False
        return True

    def close(self) -> None:
        for client in self._clients:
            client.close()
