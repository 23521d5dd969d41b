"""The kept-message spool on Redis (bot/core/spool.py), for several web workers and hosts.

One list, oldest at the head: every host keeps into it and any process's `replay_kept` answers from it, so a
message kept by one host is answered even if that host is gone. A message's token is its JSON (which carries
a random id), so finishing it removes exactly that entry however many processes read the list at once. How
durable a kept message is depends on Redis's own persistence (appendonly yes in production: docs/deploy.md).
Short socket timeouts: with Redis away as well, keeping fails in half a second and the shopper is asked to send
the message again, as before there was a spool.
"""

from __future__ import annotations

import logging
import secrets
import time

import redis

from bot.core.messages import InboundMessage
from bot.core.spool import MAX_KEPT, Kept, dumps, loads

log = logging.getLogger(__name__)

KEY = "parcelbot:kept"


class RedisSpool:
    def __init__(self, client: redis.Redis, *, key: str = KEY) -> None:
        self.client = client
        self.key = key
        self.aside_key = key + ":set-aside"

    @classmethod
    def from_url(cls, url: str, *, key: str = KEY) -> RedisSpool:
        return cls(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5), key=key)

    def keep(self, message: InboundMessage) -> bool:
        # The random id makes two keeps of one message two entries, each finished on its own (answered once).
        payload = dumps(message, time.time())[:-1] + f', "id": "{secrets.token_hex(8)}"}}'
        try:
            if self.client.llen(self.key) >= MAX_KEPT:
                return False
            self.client.rpush(self.key, payload)
            return True
        except redis.RedisError:
            log.exception("could not keep a message in Redis")
            return False

    def oldest(self, limit: int) -> list[Kept]:
        kept: list[Kept] = []
        for raw in self.client.lrange(self.key, 0, max(limit, 1) - 1) if limit > 0 else []:
            token = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            try:
                message, at = loads(token)
            except (ValueError, TypeError, KeyError) as exc:
                self.set_aside(token, f"unreadable: {exc.__class__.__name__}")
                continue
            kept.append(Kept(token, message, at))
        return kept

    def done(self, token: str) -> None:
        self.client.lrem(self.key, 1, token)

    def set_aside(self, token: str, why: str) -> None:
        log.error("kept message set aside: %s", why)
        pipe = self.client.pipeline(transaction=True)
        pipe.lrem(self.key, 1, token)
        pipe.rpush(self.aside_key, token)
        pipe.execute()

    def count(self) -> int:
        return int(self.client.llen(self.key))

    def set_aside_count(self) -> int:
        return int(self.client.llen(self.aside_key))
