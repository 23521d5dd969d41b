"""Fixtures for the integration API: a demo merchant with an API key, and its Authorization header."""

from __future__ import annotations

import pytest

from tests.api.support import NoNLU


@pytest.fixture
def interpreter():  # noqa: ANN201 - overrides the trained model: these tests never parse text
    return NoNLU()


@pytest.fixture
def api_key(runtime, demo) -> str:  # noqa: ANN001
    from backend.db import transaction
    from bot.apikeys import create_key

    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        # Texts go at once whatever the hour the suite runs; quiet hours have their own tests.
        merchant.settings = {**(merchant.settings or {}), "quiet_hours": None}
        key, _ = create_key(session, merchant)
    return key


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}
