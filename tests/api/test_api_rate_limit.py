"""The integration API is rate limited per key (PARCELBOT_API_RATE_LIMIT, bot/web/limits.py): a runaway integration
meets 429s with Retry-After, as its spec says, while other keys, the console and the shoppers' webhooks go on."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
import redis

from backend.db import transaction
from bot.config import ConfigError, Settings
from bot.core.apikeys import create_key
from bot.web import create_app
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import twilio_post

OUTBOX = "/api/v1/outbox?to=%2B447700900123"
REDIS_URL = "redis://127.0.0.1:6379/9"


def _app(runtime, limit: str, **more):  # noqa: ANN001, ANN202
    runtime.settings = dataclasses.replace(runtime.settings, api_rate_limit=limit, **more)
    app = create_app(runtime=runtime)
    app.config["TESTING"] = False
    return app.test_client()


def _key(runtime, demo) -> dict[str, str]:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        key, _ = create_key(session, session.merge(demo))
    return {"Authorization": f"Bearer {key}"}


def test_a_key_past_its_limit_gets_a_429_with_retry_after_and_other_keys_go_on(runtime, demo, api_key, auth):
    client = _app(runtime, "5 per minute")
    assert [client.get(OUTBOX, headers=auth).status_code for _ in range(5)] == [200] * 5
    refused = client.get(OUTBOX, headers=auth)
    assert refused.status_code == 429 and refused.is_json and refused.get_json()["error"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get(OUTBOX, headers=_key(runtime, demo)).status_code == 200  # another key has its own count
    # The shoppers' webhooks never meet the API's limit (nor the limiter's work)
    sms = twilio_post(client, "/twilio/sms", {"From": "+447700900123", "To": demo.sms_number, "Body": "hi",
                                              "MessageSid": "SM" + uuid.uuid4().hex},
                      token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    assert sms.status_code == 200 and b"<Message>" in sms.data


def test_made_up_keys_are_still_401_and_off_means_no_limit(runtime, demo, auth):
    client = _app(runtime, "off")
    assert {client.get(OUTBOX, headers=auth).status_code for _ in range(30)} == {200}
    client = _app(runtime, "2 per minute")
    bad = {"Authorization": "Bearer pbk_madeupmadeupmadeup"}
    assert [client.get(OUTBOX, headers=bad).status_code for _ in range(3)] == [401, 401, 429]
    assert client.get(OUTBOX, headers=auth).status_code == 200  # the real key was never counted


def test_calls_borrowing_a_real_keys_prefix_do_not_use_up_its_allowance(runtime, demo, api_key, auth):
    """Found by review: the count was by the key's public prefix before the key was checked, so 401s carrying a
    real key's prefix (it shows in the audit trail) used up that key's allowance. Only a checked key counts as the
    key; anything else counts against its sender's address."""
    client = _app(runtime, "3 per minute")
    forged = {"Authorization": f"Bearer {api_key[:12]}{'x' * 30}"}
    assert [client.get(OUTBOX, headers=forged).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert [client.get(OUTBOX, headers=auth).status_code for _ in range(3)] == [200, 200, 200]


def test_workers_share_the_count_through_redis(runtime, demo, auth):
    """Two web workers (two apps) with Redis: a key's calls count once across both, not once per worker."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    shared = {"events_backend": "redis", "redis_url": REDIS_URL, "events_prefix": f"pb-test-{uuid.uuid4().hex}"}
    one, two = _app(runtime, "4 per minute", **shared), _app(runtime, "4 per minute", **shared)
    answers = [(one if i % 2 else two).get(OUTBOX, headers=auth).status_code for i in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]


@pytest.mark.parametrize("value", ["lots", "12 per fortnight", "per minute"])
def test_a_limit_that_is_not_one_is_a_clear_configuration_error(env, value):
    with pytest.raises(ConfigError, match="PARCELBOT_API_RATE_LIMIT"):
        Settings.from_env({**env, "PARCELBOT_API_RATE_LIMIT": value})


def _from(address: str) -> dict[str, object]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_a_flood_of_made_up_keys_is_held_by_its_address_not_by_each_key(runtime, demo, auth):
    """Each made-up key is a bucket of its own for the per-key limit, so guessing keys (or loading the key table)
    was never limited. Refused keys now count against the sender's address (PARCELBOT_API_AUTH_FAILURE_LIMIT):
    past it, that address's refused calls are 429 with Retry-After."""
    client = _app(runtime, "1000 per minute", api_auth_failure_limit="3 per minute")
    guesses = [client.get(OUTBOX, headers={"Authorization": f"Bearer pbk_guess{i:04d}madeup"}, **_from("203.0.113.7"))
               for i in range(5)]
    assert [g.status_code for g in guesses] == [401, 401, 401, 429, 429]
    assert 0 < int(guesses[-1].headers["Retry-After"]) <= 60 and guesses[-1].get_json()["error"]
    # Another address is not held: its first wrong key is a plain 401
    assert client.get(OUTBOX, headers={"Authorization": "Bearer pbk_typo"}, **_from("198.51.100.2")).status_code == 401


def test_a_held_address_still_serves_a_valid_key(runtime, demo, auth):
    """Found by review: the first version checked the count before the key, so an address past it had every call
    refused, valid keys included: behind a balancer (one address for everyone) 30 made-up keys a minute from
    anyone locked every merchant's integration out, and a forgotten job retrying a revoked key locked out its
    own merchant's working one. Only refused calls are held."""
    from datetime import UTC, datetime

    from bot.core.apikeys import revoke

    with transaction(runtime.sessions) as session:
        old, _ = create_key(session, session.merge(demo))
        revoke(session, old[:12], datetime.now(UTC))
    client = _app(runtime, "1000 per minute", api_auth_failure_limit="3 per minute")
    stale = {"Authorization": f"Bearer {old}"}
    assert [client.get(OUTBOX, headers=stale, **_from("10.0.0.5")).status_code for _ in range(5)] == \
        [401, 401, 401, 429, 429]
    assert [client.get(OUTBOX, headers=auth, **_from("10.0.0.5")).status_code for _ in range(3)] == [200] * 3
    assert client.get(OUTBOX, headers=stale, **_from("10.0.0.5")).status_code == 429  # still held for refusals


def test_calls_that_succeed_never_count_as_refused(runtime, demo, auth):
    client = _app(runtime, "1000 per minute", api_auth_failure_limit="2 per minute")
    assert {client.get(OUTBOX, headers=auth).status_code for _ in range(10)} == {200}
    assert client.get(OUTBOX).status_code == 401  # no key at all is a refusal too
    assert [client.get(OUTBOX).status_code for _ in range(2)] == [401, 429]


@pytest.mark.parametrize("proxies, counted_apart", [(0, False), (1, True)])
def test_behind_a_load_balancer_each_client_counts_apart_only_when_proxies_are_trusted(runtime, demo, auth,
                                                                                      proxies, counted_apart):
    """Behind a balancer every request comes from its address: with PARCELBOT_PROXIES=1 the client's own address
    (the last X-Forwarded-For hop) is what the limits count; unset, the header is ignored, since any client can
    send one to dodge its limit. Either way another client's valid key is served."""
    client = _app(runtime, "1000 per minute", api_auth_failure_limit="2 per minute", proxies=proxies)
    balancer = {"REMOTE_ADDR": "10.0.0.5"}

    def call(client_address: str, headers: dict[str, str]) -> int:
        return client.get(OUTBOX, headers={**headers, "X-Forwarded-For": client_address},
                          environ_base=balancer).status_code

    guess = {"Authorization": "Bearer pbk_madeup"}
    assert [call("203.0.113.7", guess) for _ in range(3)] == [401, 401, 429]
    assert call("198.51.100.2", guess) == (401 if counted_apart else 429)
    assert call("198.51.100.2", auth) == 200


def test_proxies_must_be_a_whole_number_and_the_failure_limit_a_rate(env):
    assert Settings.from_env({**env, "PARCELBOT_PROXIES": "1"}).proxies == 1
    assert Settings.from_env({**env, "PARCELBOT_API_AUTH_FAILURE_LIMIT": "off"}).api_auth_failure_limit == "off"
    for name, value in (("PARCELBOT_PROXIES", "one"), ("PARCELBOT_PROXIES", "-1"),
                        ("PARCELBOT_API_AUTH_FAILURE_LIMIT", "lots")):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({**env, name: value})
