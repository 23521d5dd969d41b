"""The outcome tests write their own small histories: no NLU is ever asked to read anything."""

from __future__ import annotations

from tests.api.support import interpreter  # noqa: F401 - fixture: no trained model needed
