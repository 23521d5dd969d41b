"""/healthz says when this host's Redis doesn't answer (docs/deployment.md "Health checks").

Found following the deployment guide by hand: a web host pointed at a wrong Redis port answered every shopper (as
docs/faults.md 3 says it should) but its /healthz said {"status": "ok"} while its events reached no other host's
console, its jobs waited for the sweep, its sign-in limits counted per worker and a database outage could keep
nothing for it. Now it is "degraded", still HTTP 200 (turns are answered: draining it would not bring Redis back),
saying which part; and ok again once Redis answers, with no restart. The one-machine default uses no Redis and is
never asked about it."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.web import create_app
from tests.faults.proxy import CuttableProxy
from tests.faults.test_redis_faults import DB, _redis_up

pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")

DEGRADED = {"status": "degraded", "redis": "unavailable"}


def _runtime(env: dict[str, str], interpreter, url: str, **extra: str) -> Runtime:  # noqa: ANN001
    name = f"health-{uuid.uuid4().hex[:8]}"
    return build_runtime(Settings.from_env({**env, "REDIS_URL": url, "PARCELBOT_CELERY_QUEUE": name,
                                            "PARCELBOT_EVENTS_PREFIX": name, **extra}), interpreter=interpreter)


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    proxy = CuttableProxy("127.0.0.1", 6379)
    yield proxy
    proxy.close()


def _ok_within_seconds(client, seconds: float = 10.0) -> bool:  # noqa: ANN001
    """The ping has half a second (bot/adapters/redis_health.py) and goes through the test's proxy thread: on a
    loaded CI machine one ping can miss it, so "ok" is asked again for a while (a Redis that is there answers one)."""
    deadline = time.monotonic() + seconds
    while True:
        if client.get("/healthz").get_json() == {"status": "ok"}:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


@pytest.mark.parametrize("shared", [{"PARCELBOT_JOBS": "celery"}, {"PARCELBOT_EVENTS": "redis"},
                                    {"PARCELBOT_JOBS": "celery", "PARCELBOT_EVENTS": "redis"}])
def test_redis_away_is_degraded_and_ok_once_back(env, interpreter, proxy, shared):
    rt = _runtime(env, interpreter, f"redis://127.0.0.1:{proxy.port}/{DB}", **shared)
    client = create_app(runtime=rt).test_client()
    try:
        assert _ok_within_seconds(client), "healthz never said ok with Redis there"
        proxy.cut()
        away = client.get("/healthz")
        assert away.status_code == 200 and away.get_json() == DEGRADED
        proxy.restore()
        assert _ok_within_seconds(client), "healthz never said ok once Redis was back"
    finally:
        rt.close()


def test_a_host_pointed_at_a_wrong_redis_port_is_degraded(env, interpreter):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rt = _runtime(env, interpreter, f"redis://127.0.0.1:{port}/{DB}", PARCELBOT_JOBS="celery",
                  PARCELBOT_EVENTS="redis")
    try:
        response = create_app(runtime=rt).test_client().get("/healthz")
        assert response.status_code == 200 and response.get_json() == DEGRADED
    finally:
        rt.close()


def test_a_separate_broker_that_does_not_answer_is_redis_unavailable_too(env, interpreter, proxy):
    """CELERY_BROKER_URL apart from REDIS_URL: the queue's Redis is asked as well."""
    rt = _runtime(env, interpreter, f"redis://127.0.0.1:6379/{DB}", PARCELBOT_JOBS="celery",
                  CELERY_BROKER_URL=f"redis://127.0.0.1:{proxy.port}/{DB}")
    try:
        client = create_app(runtime=rt).test_client()
        assert client.get("/healthz").get_json() == {"status": "ok"}
        proxy.cut()
        assert client.get("/healthz").get_json() == DEGRADED
    finally:
        rt.close()


def test_the_one_machine_default_never_asks_redis(env, interpreter):
    """Inline jobs, in-process events, the file spool: a Redis URL that leads nowhere changes nothing."""
    rt = _runtime(env, interpreter, "redis://127.0.0.1:1/0")
    try:
        assert create_app(runtime=rt).test_client().get("/healthz").get_json() == {"status": "ok"}
    finally:
        rt.close()


def test_a_broker_that_is_not_redis_is_not_asked(env, interpreter):
    """CELERY_BROKER_URL may name any broker Celery takes (RabbitMQ, say): the runtime still builds, and the health
    check asks only the Redis it knows how to."""
    rt = _runtime(env, interpreter, f"redis://127.0.0.1:6379/{DB}", PARCELBOT_JOBS="celery",
                  CELERY_BROKER_URL="amqp://guest@127.0.0.1:1//")
    try:
        assert create_app(runtime=rt).test_client().get("/healthz").get_json() == {"status": "ok"}
    finally:
        rt.close()
