"""HMAC-SHA256 request signatures for our carrier contract (header X-Parcelbot-Signature).

    X-Parcelbot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{METHOD}.{path}.{body}")>

`path` is the request path with its query string exactly as sent (e.g. "/v1/shipments?phone=%2B44..."),
`body` the raw request body ("" when there is none). The timestamp lets the receiver refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Parcelbot-Signature"


def signature(secret: str, timestamp: int, method: str, path: str, body: str) -> str:
    message = f"{timestamp}.{method.upper()}.{path}.{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, method: str, path: str, body: str | bytes | None, *, now: float | None = None) -> str:
    """The header value for one request."""
    t = int(now if now is not None else time.time())
    text = body.decode() if isinstance(body, bytes) else (body or "")
    return f"t={t},v1={signature(secret, t, method, path, text)}"


def verify(
    secret: str,
    header: str | None,
    method: str,
    path: str,
    body: str | bytes | None,
    *,
    now: float | None = None,
    tolerance: int = 300,
) -> bool:
    """True if the header is a valid, fresh signature of this request (for whoever receives our calls)."""
    if not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    current = now if now is not None else time.time()
    if abs(current - t) > tolerance:
        return False
    text = body.decode() if isinstance(body, bytes) else (body or "")
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, t, method, path, text))
