"""A change finished outside a chat turn (a slow carrier's, a paid one's) asks a remote carrier with no
transaction open (docs/architecture.md 3.6): first a short read - is the change recorded already, and which
carrier is it? - then the call, then the record in a unit of work of its own. Both jobs share these steps."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend import models as m
from backend.changes import stored_change
from backend.protocol import BackendError
from backend.types import ActionResult, ChangeContext
from bot.core.carrier import Answered
from bot.jobs.registry import JobContext


def carrier_to_ask(ctx: JobContext, session: Session, merchant: m.Merchant, key: str,
                   now: datetime) -> tuple[bool, Any | None]:
    """(is the change under `key` recorded already, the remote carrier to ask - None for our own carrier, which
    shares the recording transaction, or when it is recorded). The caller commits before asking."""
    recorded = stored_change(session, merchant.id, key) is not None
    if recorded:
        return True, None
    backend = ctx.backends(session, merchant, now)
    return False, backend if getattr(backend, "is_remote", True) else None


def ask(remote: Any | None, tracking: str, action: Any, key: str, context: ChangeContext) -> Answered | None:
    """The remote carrier's answer to the write (an error is an answer too), made with no transaction open."""
    if remote is None:
        return None
    carrier = copy.copy(remote)
    if hasattr(carrier, "pending_sink"):
        carrier.pending_sink = None  # apply_change keeps a write the carrier couldn't take, in our transaction
    try:
        result: ActionResult | BackendError = carrier.apply_action(tracking, action, idempotency_key=key,
                                                                   context=context)
    except BackendError as exc:
        result = exc
    return Answered(remote.name, result)
