"""The merchant's handoff webhook: every change of a conversation's owner (a shopper waiting for a person,
taken over, handed back, resolved) POSTed as JSON to the URL in merchant.settings["handoff_webhook"], e.g.
{"url": "https://helpdesk.example/hooks/parcelbot", "secret_env": "ACME_HANDOFF_SECRET"}.

Signed like Stripe's and GitHub's: `X-Parcelbot-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
with the secret named by `secret_env` (read from the environment, never stored in the database), so the
receiver can check it came from us and is fresh. Sent after commit by a job, with a short timeout; a failure
is logged and the conversation goes on (the console and the API are the record, the webhook is news).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from typing import Any
from urllib.parse import urlparse

import requests

from backend import models as m
from bot.jobs.registry import JobContext, job

log = logging.getLogger(__name__)
TIMEOUT = (3.05, 5.0)
TRIES = 3


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _target(merchant: m.Merchant) -> tuple[str, str] | None:
    raw = (merchant.settings or {}).get("handoff_webhook")
    if not isinstance(raw, dict) or not raw.get("url") or not raw.get("secret_env"):
        return None
    url = str(raw["url"])
    parsed = urlparse(url)
    local = parsed.hostname in ("127.0.0.1", "localhost")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
        log.warning("handoff webhook for %s is not https; not sent", merchant.slug)
        return None
    secret = os.environ.get(str(raw["secret_env"]), "")
    if not secret:
        log.warning("handoff webhook for %s: environment variable %s is not set; not sent", merchant.slug,
                    raw["secret_env"])
        return None
    return url, secret


@job("handoff_webhook")
def handoff_webhook_job(ctx: JobContext, *, merchant_id: int, event: dict[str, Any], **_: Any) -> bool:
    """POST one conversation event to the merchant's webhook, if it has one; True if it was accepted."""
    with ctx.sessions() as session:
        merchant = session.get(m.Merchant, merchant_id)
        target = _target(merchant) if merchant is not None else None
    if target is None:
        return False
    url, secret = target
    body = json.dumps(event, sort_keys=True, default=str).encode()
    for attempt in range(1, TRIES + 1):
        timestamp = int(ctx.clock().timestamp())
        headers = {"Content-Type": "application/json", "X-Parcelbot-Signature": signature(secret, timestamp, body),
                   "User-Agent": "Parcelbot-Webhook/1"}
        try:
            response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
            if response.status_code < 300:
                return True
            if response.status_code < 500 and response.status_code != 429:
                log.warning("handoff webhook refused (%s) by %s", response.status_code, url)
                return False
        except requests.RequestException as exc:
            log.warning("handoff webhook to %s failed (try %d): %s", url, attempt, exc)
    return False
