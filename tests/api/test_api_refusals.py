"""The refused-key count (bot/web/limits.py Refusals, bot/web/api/routes.py require_key), as the second review
found it: not held with Redis down when the per-key limit was off, and a Retry-After of another bucket."""
from __future__ import annotations

import dataclasses

import pytest

from bot.web import create_app

OUTBOX = "/api/v1/outbox?to=%2B447700900123"
DEAD_REDIS = "redis://127.0.0.1:1/9"  # nothing listens on port 1: Redis is down


def _app(runtime, limit: str, **more):  # noqa: ANN001, ANN202
    runtime.settings = dataclasses.replace(runtime.settings, api_rate_limit=limit, **more)
    app = create_app(runtime=runtime)
    app.config["TESTING"] = False
    return app.test_client()


@pytest.mark.parametrize("api_limit", ["1000 per minute", "off"])
def test_with_redis_down_refused_keys_are_still_held_in_memory(runtime, demo, api_limit):
    """limits.py promises: with Redis away a count is kept in the worker's memory until it is back ("nor go
    unlimited"). Refusals uses limiter.limiter, which only switches to the in-memory fallback after Flask-Limiter's
    own check of a *limited route* failed. With PARCELBOT_API_RATE_LIMIT=off nothing ever marks the storage dead,
    so every refusal's count raises, is swallowed, and a flood of made-up keys is never held."""
    client = _app(runtime, api_limit, api_auth_failure_limit="3 per minute", events_backend="redis",
                  redis_url=DEAD_REDIS)
    codes = [client.get(OUTBOX, headers={"Authorization": f"Bearer pbk_guess{i:04d}madeup"},
                        environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code for i in range(5)]
    assert codes == [401, 401, 401, 429, 429]


def test_retry_after_on_a_refusal_says_when_the_refusal_window_ends(runtime, demo, monkeypatch):
    """Refusals computes the seconds left in the address's window and sets Retry-After, but Flask-Limiter's
    after-request header injection (RATELIMIT_HEADERS_ENABLED) then overwrites it with the later of that and the
    reset of the *per-key* bucket of the made-up key presented. A key never seen before opens a fresh 60 s bucket,
    so a client told "Retry-After: 60" could have called again after 1 s; its X-RateLimit-* headers meanwhile
    describe the made-up key's allowance (Remaining: 999) on a 429."""
    import time as real_time

    import flask_limiter._extension
    import limits.storage.memory

    import bot.web.limits

    now = [real_time.time()]

    class Clock:  # time, with time.time() under the test's hand
        def __getattr__(self, name):  # noqa: ANN001, ANN204
            return getattr(real_time, name)

        def time(self) -> float:
            return now[0]

    for module in (flask_limiter._extension, limits.storage.memory, bot.web.limits):
        monkeypatch.setattr(module, "time", Clock())
    client = _app(runtime, "1000 per minute", api_auth_failure_limit="3 per minute")
    call = lambda i: client.get(OUTBOX, headers={"Authorization": f"Bearer pbk_guess{i:04d}madeup"},  # noqa: E731
                                environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert [call(i).status_code for i in range(3)] == [401, 401, 401]  # the address's window: now + 60
    now[0] += 58.5
    held = call(99)
    assert held.status_code == 429
    assert int(held.headers["Retry-After"]) <= 2, dict(held.headers)
