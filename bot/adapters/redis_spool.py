"""The kept-message spool on Redis (bot/core/spool.py), for several web workers and hosts.

One list, oldest at the head: every host keeps into it and any process's `replay_kept` answers from it, so a
message kept by one host is answered even if that host is gone. A message's token is its sealed JSON (which
carries a random id), so finishing it removes exactly that entry however many processes read the list at once;
moving one aside or to the back for a retry is a small Lua script, so it happens only if this process removed
it. Give each environment sharing a Redis its own PARCELBOT_SPOOL_KEY (staging must not answer production's). How
durable a kept message is depends on Redis's own persistence (appendonly yes in production: docs/deploy.md).
Short socket timeouts: with Redis away as well, keeping fails in half a second and the shopper is asked to send
the message again, as before there was a spool.
"""

from __future__ import annotations

import json
import logging
import time

import redis

from backend.sealing import CodeBox
from bot.core.messages import InboundMessage
from bot.core.spool import MAX_KEPT, KeptMessage, NotOurs, dumps, loads

log = logging.getLogger(__name__)

KEY = "parcelbot:kept"


# Move one entry to the set-aside list only if this process removed it (another may have answered it meanwhile).
_SET_ASIDE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[1]) return 1 end
return 0
"""
# Replace an entry with its retry, at the back, only if this process removed it.
_RETRY = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[2]) return 1 end
return 0
"""

# Back in line from the set-aside list, tries reset, only if this process removed it from there.
_RETRY_ASIDE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[2]) return 1 end
return 0
"""


class RedisSpool:
    def __init__(self, client: redis.Redis, box: CodeBox, *, key: str = KEY) -> None:
        self.client = client
        self.box = box
        self.key = key
        self.aside_key = key + ":set-aside"
        self.numbers_key = key + ":numbers"

    @classmethod
    def from_url(cls, url: str, box: CodeBox, *, key: str = KEY) -> RedisSpool:
        return cls(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5), box, key=key)

    def keep(self, message: InboundMessage) -> bool:
        try:
            if self.client.llen(self.key) >= MAX_KEPT:
                return False
            self.client.rpush(self.key, dumps(self.box, message, time.time()))
            return True
        except redis.RedisError:
            log.exception("could not keep a message in Redis")
            return False

    def oldest(self, limit: int) -> list[KeptMessage]:
        """Up to `limit` readable entries, oldest first, read a page at a time: entries this host can't open are
        skipped (and counted in the log), so they never hide the rest; corrupt ones are set aside."""
        kept: list[KeptMessage] = []
        not_ours, start, page = 0, 0, max(limit, 1)
        while len(kept) < limit:
            raws = self.client.lrange(self.key, start, start + page - 1)
            if not raws:
                break
            start += len(raws)
            for raw in raws:
                token = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
                try:
                    item = loads(self.box, token, token)
                except NotOurs:
                    not_ours += 1
                    continue
                except (ValueError, TypeError, KeyError) as exc:  # opened, but not a kept message
                    self.set_aside(token, f"unreadable: {exc.__class__.__name__}")
                    start -= 1  # it left the list: the next page starts one earlier
                    continue
                kept.append(item)
                if len(kept) >= limit:
                    break
        if not_ours:
            log.error("%d kept message(s) can't be opened here: is PARCELBOT_SECRET_KEY the same on every host?",
                      not_ours)
        return kept

    def done(self, token: str) -> None:
        self.client.lrem(self.key, 1, token)

    def retry_later(self, item: KeptMessage, not_before: float) -> None:
        again = dumps(self.box, item.message, item.kept_at, item.attempts + 1, not_before)
        self.client.eval(_RETRY, 1, self.key, item.token, again)

    def set_aside(self, token: str, why: str) -> None:
        if self.client.eval(_SET_ASIDE, 2, self.key, self.aside_key, token):
            log.error("kept message set aside: %s", why)

    def requeue_set_aside(self) -> int:
        moved = 0
        for raw in self.client.lrange(self.aside_key, 0, -1):
            token = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            try:
                item = loads(self.box, token, token)
            except (ValueError, TypeError, KeyError):
                continue
            if self.client.eval(_RETRY_ASIDE, 2, self.aside_key, self.key, token,
                                dumps(self.box, item.message, item.kept_at)):
                moved += 1
        return moved

    def count(self) -> int:
        return int(self.client.llen(self.key))

    def set_aside_count(self) -> int:
        return int(self.client.llen(self.aside_key))

    def record_numbers(self, numbers: frozenset[str]) -> None:
        self.client.set(self.numbers_key, json.dumps(sorted(numbers)))  # one value: replaced whole

    def numbers(self) -> frozenset[str] | None:
        raw = self.client.get(self.numbers_key)
        return None if raw is None else frozenset(json.loads(raw))
