"""`parcelbot kept status|retry`: the messages kept while the database was away (bot/core/spool.py).

For the operator after an outage: how many wait to be answered and how many were set aside, and, once the
cause of a set-aside is fixed (a merchant's number restored, a bug deployed away), putting them back in line for
`replay_kept` (every 10 s). It reads the same spool the bot uses, from the same environment.
"""

from __future__ import annotations

import click

from bot.cli.common import settings
from bot.core.spool import MessageSpool
from bot.runtime import spool_for


def _spool() -> MessageSpool:
    spool = spool_for(settings())
    if spool is None:
        raise click.ClickException("the spool is off (PARCELBOT_SPOOL=off): nothing is kept")
    return spool


@click.group("kept")
def kept_cli() -> None:
    """Messages kept while the database was away."""


@kept_cli.command("status")
def kept_status() -> None:
    """How many kept messages wait to be answered, and how many were set aside for a person."""
    spool = _spool()
    try:
        waiting, aside = spool.count(), spool.set_aside_count()
    except Exception as exc:  # noqa: BLE001 - Redis away: say so, not a trace
        raise click.ClickException(f"the spool can't be read: {exc.__class__.__name__}: {exc}") from None
    click.echo(f"{waiting} waiting to be answered, {aside} set aside")
    if aside:
        click.echo("set aside: read the log ('kept message ... set aside: why'), fix the cause, then "
                   "`parcelbot kept retry`")


@kept_cli.command("retry")
def kept_retry() -> None:
    """Put every set-aside message back in line (tries reset); the schedule answers them within seconds."""
    try:
        moved = _spool().requeue_set_aside()
    except Exception as exc:  # noqa: BLE001 - Redis away: say so, not a trace
        raise click.ClickException(f"the spool can't be read: {exc.__class__.__name__}: {exc}") from None
    click.echo(f"{moved} set-aside message(s) back in line (one kept over two hours ago is now only told it "
               "couldn't be answered in time)")
