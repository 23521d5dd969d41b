"""The `parcelbot` command: run, chat, migrate, manage merchants, train and benchmark.

This module holds the group and the small commands (db, merchant, demo); the larger ones live beside it:
serve.py, chat.py, apikey.py, nlu.py, bench.py.

Commands print plain results on stdout and problems on stderr with a non-zero exit; never a traceback
for a mistake the operator can fix.
"""

from __future__ import annotations

import json
import logging
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from sqlalchemy import select

from backend import models as m
from backend.db import MigrationError, transaction, upgrade
from bot.cli.common import e164_option, migrated_sessions, print_demo_parcels, safe_url, settings
from bot.config import ConfigError
from bot.core.outage import is_store_outage

# The larger commands, imported only when run (or listed by --help): importing them all (the web app, the engine,
# the NLU, the benchmark's driver) made every command, `parcelbot user add` included, take about 4 s to start.
LAZY_COMMANDS = {
    "serve": "bot.cli.serve:serve", "chat": "bot.cli.chat:chat", "apikey": "bot.cli.apikey:apikey_cli",
    "user": "bot.cli.user:user_cli", "nlu": "bot.cli.nlu:nlu", "bench": "bot.cli.bench:bench",
    "config": "bot.cli.config:config_cli", "kept": "bot.cli.kept:kept_cli",
}


class _Group(click.Group):
    """A setting the operator can fix (a typo in PARCELBOT_JOBS, say) is a one-line error, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(f"configuration: {exc}") from None
        except MigrationError as exc:  # reached, and failed there: not "can't be reached" (its cause may look so)
            raise click.ClickException(f"{exc} (parcelbot -v ... for the traceback)") from None
        except click.ClickException:  # a command's own one line (raised while handling an outage, say): as it is
            raise
        except Exception as exc:
            if not is_store_outage(exc):
                raise
            # every command that reads the database: one line saying so, not a traceback (review)
            cause = getattr(exc, "orig", None) or exc
            first = (str(cause).strip().splitlines() or [cause.__class__.__name__])[0][:300]
            raise click.ClickException(f"the database can't be reached (DATABASE_URL): {first}") from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            import importlib

            module, attr = LAZY_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Parcelbot: post-purchase messaging for deliveries."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


# -- database --------------------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations to DATABASE_URL (SQLite under the data directory by default)."""
    url = settings().database_url
    before, after = upgrade(url, revision)
    if before == after:
        click.echo(f"database already at {after or 'no schema'} ({revision}), nothing to do: {safe_url(url)}")
    else:
        click.echo(f"database migrated from {before or 'an empty database'} to {after or 'no schema'}: {safe_url(url)}")


# -- merchants -------------------------------------------------------------------------------------------
@main.group()
def merchant() -> None:
    """Merchants: the number a message is sent to selects one."""



@merchant.command("add")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--sms-number", required=True, help="E.164, e.g. +441614960000")
@click.option("--whatsapp-number", default=None)
@click.option("--timezone", default="Europe/London", show_default=True)
def merchant_add(slug: str, name: str, sms_number: str, whatsapp_number: str | None, timezone: str) -> None:
    """Add a merchant."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug):
        raise click.BadParameter("use 2-63 lower-case letters, digits and dashes", param_hint="SLUG")
    name = name.strip()
    if not 0 < len(name) <= 200 or not name.isprintable():  # the column's length; shown to shoppers as the brand
        raise click.BadParameter("use 1-200 printable characters", param_hint="--name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone") from exc
    sms = e164_option(sms_number, "--sms-number")
    wa = e164_option(whatsapp_number, "--whatsapp-number")
    sessions = migrated_sessions(settings())
    with transaction(sessions) as session:
        clash = session.scalar(
            select(m.Merchant).where(
                (m.Merchant.slug == slug)
                | (m.Merchant.sms_number == sms)
                | (m.Merchant.whatsapp_number.in_([n for n in (sms, wa) if n]))
                | (m.Merchant.sms_number == (wa or ""))
            )
        )
        if clash is not None:
            raise click.ClickException(f"merchant {clash.slug!r} already uses that slug or number")
        session.add(
            m.Merchant(slug=slug, name=name, sms_number=sms, whatsapp_number=wa, timezone=timezone, settings={})
        )
    click.echo(f"added merchant {slug} ({name}) on {sms}" + (f" and WhatsApp {wa}" if wa else ""))


@merchant.command("list")
@click.option("--json", "as_json", is_flag=True)
def merchant_list(as_json: bool) -> None:
    """List merchants."""
    sessions = migrated_sessions(settings())
    with sessions() as session:
        rows = list(session.scalars(select(m.Merchant).order_by(m.Merchant.slug)))
        data = [
            {
                "slug": r.slug,
                "name": r.name,
                "sms_number": r.sms_number,
                "whatsapp_number": r.whatsapp_number,
                "timezone": r.timezone,
            }
            for r in rows
        ]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data:
        click.echo("no merchants yet: `parcelbot merchant add` or `parcelbot demo`")
    for d in data:
        click.echo(
            f"{d['slug']:<20} {d['name']:<30} sms {d['sms_number'] or '-':<16} whatsapp {d['whatsapp_number'] or '-'}"
        )


# -- demo, serve, chat ------------------------------------------------------------------------------------
@main.command()
@click.option("--history", is_flag=True, help="Also write 60 days of made-up history for the Results page.")
def demo(history: bool) -> None:
    """Seed (or reset) the demo merchant and its demo parcels."""
    from bot.services.demo import DEMO_PARCELS, seed_demo
    from bot.services.demo_history import seed_demo_history

    sessions = migrated_sessions(settings())
    with transaction(sessions) as session:
        merchant = seed_demo(session)
        click.echo(f"demo merchant {merchant.slug!r} ({merchant.name}) on SMS {merchant.sms_number}")
        if history:
            wrote = seed_demo_history(session, merchant)
            click.echo("wrote 60 days of demo history" if wrote else "the demo history is there already")
    print_demo_parcels(DEMO_PARCELS)
