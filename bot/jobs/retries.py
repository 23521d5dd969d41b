"""Carrier writes that could not be made (the far side was down) are retried from pending_requests.

Claimed in one short transaction, sent with none open, recorded in another (backend/retry.py): a carrier
that is still slow holds nobody up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.retry import retry_due
from bot.jobs.registry import JobContext, job


@job("retry_pending")
def retry_pending_job(ctx: JobContext, now: str | None = None, **_: Any) -> int:
    moment = datetime.fromisoformat(now) if now else ctx.clock()
    return retry_due(ctx.sessions, lambda session, merchant: ctx.backends(session, merchant, moment), moment)
