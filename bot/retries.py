"""Carrier writes that could not be made (the far side was down) are retried from pending_requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.db import transaction
from backend.pending import retry_pending
from backend.registry import backend_factory
from bot.jobs import job


@job("retry_pending")
def retry_pending_job(runtime: Any, now: str | None = None) -> int:
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        return retry_pending(session, backend_factory(session, now=moment), moment)
