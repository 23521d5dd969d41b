"""Fixtures for the bad-input suite: the API's merchant and key, plus a waiting conversation to aim at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.support import api_key, auth  # noqa: F401 - fixtures (the real NLU: the webhooks parse text)


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    """The fuzzers make thousands of calls with one key in the deep profile: the API's per-key limit would answer
    most of them 429 (documented, so still conformant) and test nothing behind it, and the many calls they send
    without a key would meet the refused-key limit per address. Their own tests are in tests/api."""
    return {**env, "PARCELBOT_API_RATE_LIMIT": "off", "PARCELBOT_API_AUTH_FAILURE_LIMIT": "off"}


@pytest.fixture
def known_ids(runtime, demo, api_key: str, client) -> dict[str, object]:  # noqa: ANN001, F811
    """Path values that hit real rows: a demo parcel, a shopper waiting for a person, a template's name."""
    from backend import models as m
    from backend.db import transaction

    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        conv = m.Conversation(merchant_id=merchant.id, channel="sms", address="+447700900123", status="waiting",
                              waiting_since=datetime.now(UTC), handoff_reason="asked")
        session.add(conv)
        session.flush()
        conv_id = conv.id
    listed = client.get("/api/v1/templates", headers={"Authorization": f"Bearer {api_key}"}).get_json()
    names = [t["name"] for t in listed["templates"]]
    return {"conv_id": conv_id, "tracking": "PB100000001GB", "name": names[0]}
