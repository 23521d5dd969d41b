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

from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_limits(app: Flask, *, storage_uri: str, skip: Iterable[str]) -> Limiter:
    """The app's limiter; `skip`: blueprints it never looks at."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After (and X-RateLimit-*) on limited routes
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, default_limits=[],
                      strategy="fixed-window", in_memory_fallback_enabled=True,
                      storage_options={"socket_connect_timeout": 1, "socket_timeout": 1})
    unlimited = frozenset(skip)
    limiter.request_filter(lambda: request.blueprint in unlimited)
    return limiter


def limit_api(limiter: Limiter, api: Blueprint, limit: str, caller: Callable[[], str], *,
              failures: str = "off") -> None:
    """Every API call counts against `caller()` (the API's checked key, bot/web/api/routes.py api_caller) at
    `limit` (e.g. "1200 per minute"); "off" or "" for no limit.

    `failures`: refused keys (401s) counted against the caller's address. Each made-up key is a bucket of its own
    for `limit`, so a flood of them (guessing, or a load on the key table) is held by where it comes from: past
    the limit that address's API calls are 429s until the window ends, a real key's included (no database work
    in the limiter to tell them apart). Behind a load balancer this needs PARCELBOT_PROXIES, or every client
    shares the balancer's address."""
    if limit.strip().lower() not in ("", "off"):
        limiter.limit(limit, key_func=caller)(api)
    if failures.strip().lower() not in ("", "off"):
        limiter.limit(failures, key_func=lambda: "api-refused:" + get_remote_address(),
                      deduct_when=lambda response: response.status_code == 401)(api)
