"""Fixtures for the integration API: a demo merchant with an API key, its Authorization header, no NLU."""

from __future__ import annotations

from tests.api.support import api_key, auth, interpreter  # noqa: F401 - fixtures
