"""Rate limits, one Flask-Limiter for the app: sign-in per address (the console), the integration API per key.

Counted in Redis when the events go through Redis (several workers share the counts), else in the process (the
embedded default, tests). With Redis away a count is kept in the worker's memory until it is back: a request must
not fail because a counter can't be reached, nor go unlimited (Flask-Limiter's in-memory fallback).

The API is limited per key so that one merchant's runaway integration (a loop, a replayed import) can't take every
web thread from the shoppers' webhooks and the other merchants; a refusal is a 429 with Retry-After, which any HTTP
client knows how to honour. The webhooks, signed links and pages skip the limiter altogether: their callers prove
themselves another way, and the limiter's per-request work is about 2 % of a turn's CPU (docs/performance.md).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

log = logging.getLogger(__name__)
REDIS_RETRY_SECONDS = 30.0


def init_limits(app: Flask, *, storage_uri: str, skip: Iterable[str], key_prefix: str = "") -> Limiter:
    """The app's limiter; `skip`: blueprints it never looks at; `key_prefix` (PARCELBOT_KEY_PREFIX) goes before
    every count's key, so two deployments sharing a Redis never share a limit."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After (and X-RateLimit-*) on limited routes
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, default_limits=[], key_prefix=key_prefix,
                      strategy="fixed-window", in_memory_fallback_enabled=True,
                      storage_options={"socket_connect_timeout": 1, "socket_timeout": 1})
    unlimited = frozenset(skip)
    limiter.request_filter(lambda: request.blueprint in unlimited)
    # ...and its before-request check not even started for them: the filter above is asked only after the limiter
    # has worked out the request's endpoint and context, about 130 Python calls of every webhook's (a turn's 2 %,
    # docs/performance.md). Should a later Flask-Limiter register its check otherwise, the filter alone still holds.
    hooks = app.before_request_funcs.get(None, [])
    check = limiter._check_request_limit
    if check in hooks:
        hooks[hooks.index(check)] = lambda: None if request.blueprint in unlimited else check()
    return limiter


def limit_api(limiter: Limiter, api: Blueprint, limit: str, caller: Callable[[], str]) -> None:
    """Every API call counts against `caller()` (the API's checked key, bot/web/api/routes.py api_caller) at
    `limit` (e.g. "1200 per minute"); "off" or "" for no limit."""
    if not _off(limit):
        limiter.limit(limit, key_func=caller)(api)


@dataclass
class Refusals:
    """Refused API keys counted per address (PARCELBOT_API_AUTH_FAILURE_LIMIT), checked after the key is.

    Each made-up key is a bucket of its own for the per-key limit, so a flood of them (guessing, or a load on the
    key table) met no limit. Past this one, that address's *refused* calls are answered 429 with Retry-After
    instead of 401. A valid key is never held by it: behind a load balancer (or a shared NAT) one client's wrong
    keys, or a forgotten job retrying a revoked one, must not lock every other integration out (review: the
    first version checked the count before the key, and did). It does not spare the database the key's indexed
    read: a volumetric flood belongs to the load balancer.

    Counted where the app's limits are (Redis with several workers). With Redis away the count goes on in this
    process's memory, looking again after REDIS_RETRY_SECONDS (review: Flask-Limiter falls back only when one of
    its own limits fails, so with the per-key limit off nothing was ever held)."""

    limiter: Limiter
    items: tuple[RateLimitItem, ...]
    prefix: str = ""  # PARCELBOT_KEY_PREFIX, as the limiter's own keys have it
    memory: FixedWindowRateLimiter = field(default_factory=lambda: FixedWindowRateLimiter(MemoryStorage()))
    shared_down_until: float = 0.0

    def refused(self, address: str) -> int | None:
        """Count one refusal from `address`; the seconds to wait if it is now past the limit, else None."""
        if time.monotonic() >= self.shared_down_until:
            try:
                return self._count(self.limiter.limiter, address)
            except Exception:  # noqa: BLE001 - Redis away: counted in memory meanwhile
                log.warning("refused API keys counted in memory: the shared count can't be reached", exc_info=True)
                self.shared_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        try:
            return self._count(self.memory, address)
        except Exception:  # noqa: BLE001 - never turn a 401 into a 500
            log.exception("couldn't count a refused API key")
            return None

    def _count(self, counter: RateLimiter, address: str) -> int | None:
        keys = (self.prefix, "api-refused", address) if self.prefix else ("api-refused", address)
        for item in self.items:
            if not counter.hit(item, *keys):
                reset, _ = counter.get_window_stats(item, *keys)
                return max(1, math.ceil(reset - time.time()))
        return None

    def holding(self, response: Response, wait: int) -> Response:
        """The refusal's 429 says when *its* window ends. Flask-Limiter adds its headers after the view, for
        the limit this request met (the made-up key's own per-key bucket: "Remaining 999", and a Retry-After of
        that bucket's minute, review): this request met none of its limits, so they are dropped."""
        response.headers["Retry-After"] = str(wait)
        self.limiter.context.view_rate_limit = None  # Flask-Limiter's per-request record of the limits met
        self.limiter.context.view_rate_limits.clear()
        return response


def refusals(limiter: Limiter, limit: str, key_prefix: str = "") -> Refusals | None:
    """The refused-key count at `limit` ("30 per minute"), None when "off"."""
    return None if _off(limit) else Refusals(limiter, tuple(parse_many(limit)), prefix=key_prefix)


def _off(limit: str) -> bool:
    """A limit setting that says no limit (bot/config.py _rate gives "off"; "" is read the same)."""
    return limit.strip().lower() in ("", "off")
