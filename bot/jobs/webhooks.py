"""The merchant's handoff webhook: every change of a conversation's owner (a shopper waiting for a person,
taken over, handed back, resolved) POSTed as JSON to the URL in merchant.settings["handoff_webhook"], e.g.
{"url": "https://helpdesk.example/hooks/parcelbot", "secret_env": "MERCHANT_ACME__HANDOFF_SECRET"}.

Signed like Stripe's and GitHub's: `X-Parcelbot-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
with the secret named by `secret_env` (read from the environment, never stored in the database; only a variable
set aside for the merchant, backend/merchant_env.py, is ever read), so the
receiver can check it came from us and is fresh.

Delivered at least once, like Stripe's and GitHub's: the handoff keeps the event in pending_requests in its own
transaction (bot/services/handoff.py), and `send_webhooks` posts it, nudged after commit and swept every 30 s
(bot/jobs/schedule.py). One POST an attempt; a timeout, 429 or 5xx is tried again on the pending writes' backoff
(1, 2, 4 ... minutes, 8 tries, about three hours); any other 4xx, or a webhook since removed or left without its
secret, ends it. So a helpdesk that restarts, or Redis away when the job was asked for, loses no handoff. Events
can arrive late and out of order after a retry: each carries `at`, and the receiver orders by it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import requests
from sqlalchemy.orm import Session

from backend import deadline_io, egress
from backend import models as m
from backend.merchant_env import MerchantEnvError, read
from backend.pending import DONE, PENDING, WEBHOOK, PendingWrite, retry_later, store_pending
from backend.retry import claim_due, renew
from bot.jobs.registry import JobContext, job

log = logging.getLogger(__name__)
TIMEOUT = (3.05, 5.0)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _target(merchant: m.Merchant) -> tuple[str, str] | None:
    raw = (merchant.settings or {}).get("handoff_webhook")
    if not isinstance(raw, dict) or not raw.get("url") or not raw.get("secret_env"):
        return None
    url = str(raw["url"])
    parsed = urlparse(url)
    inside_ok = egress.private_allowed(os.environ)
    local = parsed.hostname in ("127.0.0.1", "localhost")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local and inside_ok):
        log.warning("handoff webhook for %s is not https; not sent", merchant.slug)
        return None
    if not inside_ok and egress.private_spelling(parsed.hostname or ""):  # a row saved before the check (SSRF)
        log.warning("handoff webhook for %s is a private address; not sent", merchant.slug)
        return None
    try:  # only a variable set aside for this merchant, whatever the stored row says (backend/merchant_env.py)
        secret = read(os.environ, merchant.slug, raw["secret_env"])
    except MerchantEnvError as exc:
        log.warning("handoff webhook for %s: secret_env %s; not sent", merchant.slug, exc)
        return None
    return url, secret


@dataclass(frozen=True)
class _Failed:
    error: str
    retry: bool  # the receiver may take it later (timeout, 429, 5xx); False: it never will


def _post(target: tuple[str, str], event: dict[str, Any], clock: Callable[[], datetime]) -> _Failed | None:
    """One signed POST; None if the receiver took it."""
    url, secret = target
    body = json.dumps(event, sort_keys=True, default=str).encode()
    timestamp = int(clock().timestamp())
    headers = {"Content-Type": "application/json", "X-Parcelbot-Signature": signature(secret, timestamp, body),
               "User-Agent": "Parcelbot-Webhook/1"}
    try:
        # a helpdesk's name resolving (or re-resolving) to a private address is refused at connect (backend/egress.py)
        with egress.session_for(os.environ) as http:
            # not followed: a 3xx would re-send the signed event to another host, or over plain http (review);
            # over by connect+read in all, so a receiver trickling its answer can't hold the worker (deadline_io)
            response = deadline_io.fetch(http.post, sum(TIMEOUT), url, data=body, headers=headers, timeout=TIMEOUT,
                                         allow_redirects=False)
    except requests.RequestException as exc:
        return _Failed(f"{exc.__class__.__name__}: {exc}"[:500], retry=True)
    if response.status_code < 300:
        return None
    return _Failed(f"HTTP {response.status_code}", retry=response.status_code >= 500 or response.status_code == 429)


def send_due_webhooks(ctx: JobContext, now: datetime | None = None, *, limit: int = 100) -> int:
    """Post every due webhook event (claimed with a lease: two workers never post the same one at once); returns
    how many were taken. No transaction is open while a receiver is called."""
    now = now or ctx.clock()
    with ctx.sessions() as session, session.begin():
        claimed = claim_due(session, now, kinds=(WEBHOOK,), limit=limit)
    taken = 0
    for item in claimed:
        with ctx.sessions() as session, session.begin():  # leased again from now, or another worker has it (renew)
            if renew(session, item, ctx.clock()) is None:
                continue
        with ctx.sessions() as session:
            merchant = session.get(m.Merchant, item.merchant_id) if item.merchant_id is not None else None
            target = _target(merchant) if merchant is not None else None
        failed = (_post(target, item.payload.get("event") or {}, ctx.clock) if target is not None
                  else _Failed("no webhook to send to (removed, not https, or its secret unset)", retry=False))
        with ctx.sessions() as session, session.begin():
            taken += _record(session, item.id, failed, ctx.clock())
    return taken


def _record(session: Session, request_id: int, failed: _Failed | None, now: datetime) -> bool:
    req = session.get(m.PendingRequest, request_id, with_for_update=True)
    if req is None or req.status != PENDING:
        return False
    req.attempts += 1
    if failed is None:
        req.status, req.last_error = DONE, None
        return True
    if retry_later(req, failed.error, now, retry=failed.retry):
        log.warning("handoff webhook %s not taken (%s); trying again at %s", req.id, failed.error, req.next_attempt_at)
    else:
        log.warning("handoff webhook %s given up after %d tries: %s", req.id, req.attempts, failed.error)
    return False


@job("send_webhooks")
def send_webhooks(ctx: JobContext, **_: Any) -> int:
    return send_due_webhooks(ctx)


@job("handoff_webhook")
def handoff_webhook_job(ctx: JobContext, *, merchant_id: int, event: dict[str, Any], **_: Any) -> int:
    """A job queued by a version before the events were kept (a rolling deploy): keep it now, then send."""
    write = PendingWrite(WEBHOOK, {"event": event}, f"webhook:{uuid.uuid4().hex}", "")
    now = ctx.clock()
    with ctx.sessions() as session, session.begin():
        store_pending(session, merchant_id=merchant_id, write=write, now=now, first_try_at=now)
    return send_due_webhooks(ctx, now)
