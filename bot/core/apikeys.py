"""Per-merchant API keys for the integration API.

Only a SHA-256 of each key is stored (the key is 256 random bits, so a fast hash is enough), plus a short
prefix to find the row; the comparison is constant-time. The key itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m

KEY_START = "pbk_"
PREFIX_LENGTH = 12  # "pbk_" + 8 random characters: enough to find the row, useless to an attacker


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, merchant: m.Merchant) -> tuple[str, m.ApiKey]:
    """A new key for the merchant: (the key, shown once; its stored row)."""
    key = KEY_START + secrets.token_urlsafe(32)
    row = m.ApiKey(merchant_id=merchant.id, prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key))
    session.add(row)
    session.flush()
    return key, row


def authenticate(session: Session, key: str | None) -> m.ApiKey | None:
    """The live key row for this key, or None. Every candidate is compared, in constant time."""
    if not key or not key.startswith(KEY_START) or len(key) > 200:
        return None
    digest = hash_key(key)
    candidates = session.scalars(
        select(m.ApiKey).where(m.ApiKey.prefix == key[:PREFIX_LENGTH], m.ApiKey.revoked_at.is_(None))
    )
    found = None
    for row in candidates:
        if hmac.compare_digest(row.key_hash, digest):
            found = row
    return found


def revoke(session: Session, prefix: str, now: datetime | None = None) -> int:
    rows = list(session.scalars(select(m.ApiKey).where(m.ApiKey.prefix == prefix, m.ApiKey.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = now or datetime.now(UTC)
    return len(rows)
