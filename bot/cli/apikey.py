"""`parcelbot apikey create|list|revoke`: the integration API's per-merchant keys (bot/core/apikeys.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend import models as m
from backend.db import transaction
from bot.cli.common import migrated_sessions, settings
from bot.core import audit
from bot.core.apikeys import PREFIX_LENGTH, create_key, revoke


def _sessions() -> sessionmaker[Session]:
    return migrated_sessions(settings())


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
    with transaction(_sessions()) as session:
        key, row = create_key(session, _merchant(session, slug))
        audit.record(session, at=datetime.now(UTC), merchant_id=row.merchant_id, actor="cli",
                     action="apikey_create", subject=row.prefix, result="created")
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
    prefix = prefix.rstrip(".")
    with transaction(_sessions()) as session:
        count = revoke(session, prefix)
        if not count:
            raise click.ClickException(f"no active key starts with {prefix!r}")
        audit.record(session, at=datetime.now(UTC), merchant_id=None, actor="cli", action="apikey_revoke",
                     subject=prefix, result="revoked")
    click.echo(f"revoked {prefix}...")
