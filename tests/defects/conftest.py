"""Fixtures for the review's defect tests: the integration API's demo merchant, key and stand-in NLU."""

from __future__ import annotations

from tests.api.support import api_key, auth, interpreter  # noqa: F401 - fixtures
