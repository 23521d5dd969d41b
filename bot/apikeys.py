"""Per-merchant API keys for the integration API.

Only a SHA-256 of each key is stored (the key is 256 random bits, so a fast hash is enough), plus a short
prefix to find the row; the comparison is constant-time. The key itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import click
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


# -- `parcelbot apikey ...` -------------------------------------------------------------------------------
def _sessions():  # noqa: ANN202
    from backend.db import make_engine, make_session_factory, upgrade
    from bot.config import Settings

    settings = Settings.from_env()
    upgrade(settings.database_url)
    return make_session_factory(make_engine(settings.database_url))


def _merchant(session: Session, slug: str) -> m.Merchant:
    merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == slug))
    if merchant is None:
        raise click.ClickException(f"no merchant {slug!r}: see `parcelbot merchant list`")
    return merchant


@click.group("apikey")
def apikey_cli() -> None:
    """API keys for the integration API (/api/v1)."""


@apikey_cli.command("create")
@click.argument("slug")
def apikey_create(slug: str) -> None:
    """Create a key for merchant SLUG and print it (alone, on stdout: it is shown only this once)."""
    from backend.db import transaction

    with transaction(_sessions()) as session:
        key, row = create_key(session, _merchant(session, slug))
        session.add(m.AuditEntry(merchant_id=row.merchant_id, actor="cli", action="apikey_create",
                                 subject=row.prefix, result="created"))
    click.echo(key)
    click.echo(f"created API key {key[:PREFIX_LENGTH]}... for {slug}; store it now, it is not shown again",
               err=True)


@apikey_cli.command("list")
@click.argument("slug")
def apikey_list(slug: str) -> None:
    """List merchant SLUG's keys (prefixes only)."""
    with _sessions()() as session:
        merchant = _merchant(session, slug)
        rows = session.scalars(select(m.ApiKey).where(m.ApiKey.merchant_id == merchant.id).order_by(m.ApiKey.id))
        for row in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            click.echo(f"{row.prefix}...  created {row.created_at:%Y-%m-%d %H:%M}  {state}")


@apikey_cli.command("revoke")
@click.argument("prefix")
def apikey_revoke(prefix: str) -> None:
    """Revoke the key starting with PREFIX (as shown by `apikey list`)."""
    from backend.db import transaction

    prefix = prefix.rstrip(".")
    with transaction(_sessions()) as session:
        count = revoke(session, prefix)
        if not count:
            raise click.ClickException(f"no active key starts with {prefix!r}")
        session.add(m.AuditEntry(actor="cli", action="apikey_revoke", subject=prefix, result="revoked"))
    click.echo(f"revoked {prefix}...")
