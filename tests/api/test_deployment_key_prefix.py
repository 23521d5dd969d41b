"""Two deployments sharing one Redis (staging and production, docs/deployment.md) share no rate limit and no
carrier breaker when their PARCELBOT_KEY_PREFIX differs; unset, the keys are what they always were.

Before, the limiter's keys had no prefix and the breakers' were a fixed `parcelbot:breaker:`: staging's load
test used up production's API allowance and sign-in attempts, and a carrier failing in staging opened
production's breaker, although the docs told such deployments to name their queue, events and spool apart."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from backend.registry import BREAKER_REDIS_ENV, KEY_PREFIX_ENV, breaker_store
from backend.resilience import OPEN, CircuitBreaker
from bot.config import ConfigError, Settings
from tests.api.test_api_rate_limit import OUTBOX, REDIS_URL, _app, _from


@pytest.fixture
def shared_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def _deployment(runtime, prefix: str, **limits: str):  # noqa: ANN001, ANN202
    """A web worker of one deployment: limits counted in the shared Redis, under its own prefix."""
    return _app(runtime, limits.pop("limit", "1000 per minute"), events_backend="redis", redis_url=REDIS_URL,
                events_prefix=f"pb-test-{uuid.uuid4().hex}", key_prefix=prefix, **limits)


def test_two_deployments_on_one_redis_count_an_api_key_apart(runtime, demo, auth, shared_redis) -> None:  # noqa: ANN001
    run = uuid.uuid4().hex[:8]
    staging, production = (_deployment(runtime, f"staging-{run}", limit="3 per minute"),
                           _deployment(runtime, f"production-{run}", limit="3 per minute"))
    production_again = _deployment(runtime, f"production-{run}", limit="3 per minute")
    assert [staging.get(OUTBOX, headers=auth).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [production.get(OUTBOX, headers=auth).status_code for _ in range(3)] == [200, 200, 200]
    assert production_again.get(OUTBOX, headers=auth).status_code == 429  # one deployment's workers share it


def test_two_deployments_on_one_redis_count_refused_keys_apart(runtime, demo, shared_redis) -> None:  # noqa: ANN001
    run, address = uuid.uuid4().hex[:8], f"10.{time.time_ns() % 250}.{uuid.uuid4().int % 250}.7"
    staging = _deployment(runtime, f"staging-{run}", api_auth_failure_limit="2 per minute")
    production = _deployment(runtime, f"production-{run}", api_auth_failure_limit="2 per minute")
    bad = {"Authorization": "Bearer pbk_madeupmadeupmadeup"}
    assert [staging.get(OUTBOX, headers=bad, **_from(address)).status_code for _ in range(3)] == [401, 401, 429]
    assert production.get(OUTBOX, headers=bad, **_from(address)).status_code == 401


def test_two_deployments_on_one_redis_keep_their_own_carrier_breakers(shared_redis) -> None:
    run, name = uuid.uuid4().hex[:8], f"http:carrier-{uuid.uuid4().hex[:8]}.example"
    staging = {BREAKER_REDIS_ENV: REDIS_URL, KEY_PREFIX_ENV: f"staging-{run}"}
    production = {BREAKER_REDIS_ENV: REDIS_URL, KEY_PREFIX_ENV: f"production-{run}"}
    try:
        failing = CircuitBreaker(name, threshold=2, cooldown=30, store=breaker_store(staging))
        failing.failure()
        failing.failure()
        assert failing.state == OPEN
        assert CircuitBreaker(name, threshold=2, cooldown=30, store=breaker_store(staging)).state == OPEN
        assert CircuitBreaker(name, threshold=2, cooldown=30, store=breaker_store(production)).allow()
        assert shared_redis.exists(f"staging-{run}:parcelbot:breaker:{name}")
    finally:
        for key in shared_redis.scan_iter(f"*-{run}:parcelbot:breaker:*"):
            shared_redis.delete(key)


def test_without_a_prefix_the_keys_are_as_before(env, shared_redis) -> None:  # noqa: ANN001
    name = f"http:carrier-{uuid.uuid4().hex[:8]}.example"
    try:
        CircuitBreaker(name, threshold=2, store=breaker_store({BREAKER_REDIS_ENV: REDIS_URL})).failure()
        assert shared_redis.exists(f"parcelbot:breaker:{name}")
    finally:
        shared_redis.delete(f"parcelbot:breaker:{name}")
    assert Settings.from_env(env).key_prefix == ""


@pytest.mark.parametrize("value", ["staging prod", "a\nb", "x" * 65, "caf\u00e9"])
def test_a_prefix_that_is_not_a_plain_name_is_a_clear_configuration_error(env, value) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match="PARCELBOT_KEY_PREFIX"):
        Settings.from_env({**env, "PARCELBOT_KEY_PREFIX": value})
