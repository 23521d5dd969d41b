"""Circuit breaker state shared through Redis, retry timing and request signatures."""

from __future__ import annotations

import uuid

import pytest

from backend.resilience import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    CircuitBreaker,
    MemoryBreakerStore,
    RedisBreakerStore,
    RetryPolicy,
    retry_after_seconds,
)
from backend.signing import sign, verify


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def redis_store():
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"parcelbot-test:{uuid.uuid4().hex}:"
    yield RedisBreakerStore(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_breaker_state_is_shared_between_workers_through_redis(redis_store):
    clock = Clock()
    worker_a = CircuitBreaker("carrier", threshold=3, cooldown=30, store=redis_store, clock=clock)
    worker_b = CircuitBreaker("carrier", threshold=3, cooldown=30, store=redis_store, clock=clock)
    worker_a.failure()
    worker_b.failure()
    assert worker_a.state == CLOSED
    worker_a.failure()  # third consecutive failure, counted across both workers
    assert worker_b.state == OPEN and not worker_b.allow()
    clock.t += 31
    assert worker_b.state == HALF_OPEN
    assert worker_b.allow() is True  # b wins the single trial...
    assert worker_a.allow() is False  # ...so a keeps waiting
    worker_b.success()
    assert worker_a.state == CLOSED and worker_a.allow()


def test_a_success_resets_the_consecutive_count():
    breaker = CircuitBreaker("c", threshold=2, store=MemoryBreakerStore(), clock=Clock())
    breaker.failure()
    breaker.success()
    breaker.failure()
    assert breaker.state == CLOSED


def test_broken_breaker_store_lets_calls_through():
    class Broken:
        def __getattr__(self, name):
            def fail(*a, **k):
                raise ConnectionError("redis down")

            return fail

    breaker = CircuitBreaker("c", threshold=1, store=Broken(), clock=Clock())
    breaker.failure()
    assert breaker.allow() is True


def test_backoff_doubles_and_is_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=3, jitter=0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    jittery = RetryPolicy(base_delay=1, jitter=0.1)
    assert all(1.0 <= jittery.delay(1) <= 1.1 for _ in range(50))


def test_retry_after_accepts_seconds_and_http_dates():
    assert retry_after_seconds("2.5") == 2.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: retry now
    assert retry_after_seconds("soon") is None


def test_signature_verifies_and_detects_tampering():
    header = sign("s3cret", "POST", "/v1/orders/1/cancel", '{"a":1}', now=1000)
    assert verify("s3cret", header, "POST", "/v1/orders/1/cancel", '{"a":1}', now=1010)
    assert not verify("s3cret", header, "POST", "/v1/orders/1/cancel", '{"a":2}', now=1010)
    assert not verify("other", header, "POST", "/v1/orders/1/cancel", '{"a":1}', now=1010)
    assert not verify("s3cret", header, "POST", "/v1/orders/1/cancel", '{"a":1}', now=1000 + 301)  # replayed late
    assert not verify("s3cret", "garbage", "POST", "/", "", now=1000)
