"""`parcelbot chat`: talk to the bot in this terminal as if texting from a phone (like `rasa shell`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import click
from sqlalchemy import select

from backend import models as m
from backend.db import upgrade
from bot.cli.common import e164_option, settings
from bot.core.messages import InboundMessage
from bot.engine import UnknownMerchant
from bot.runtime import Runtime, build_runtime
from channels import terminal


@click.command()
@click.option("--from", "sender", default="+447700900123", show_default=True, help="your phone number")
@click.option("--to", "recipient", default=None, help="merchant number or slug (default: the only/demo merchant)")
@click.option("--channel", default="cli", type=click.Choice(["cli", "sms", "whatsapp"]), show_default=True)
def chat(sender: str, recipient: str | None, channel: str) -> None:
    """Chat with the bot in this terminal, as if texting from --from (like `rasa shell`)."""
    sender = e164_option(sender, "--from") or sender
    config = settings()
    upgrade(config.database_url)
    runtime = build_runtime(config, synchronous_jobs=True)
    with runtime.sessions() as session:
        merchants = list(session.scalars(select(m.Merchant).order_by(m.Merchant.id)))
    if recipient is None:
        if not merchants:
            raise click.ClickException("no merchants: run `parcelbot demo` (or `parcelbot serve`) first")
        recipient = next((x.slug for x in merchants if x.slug == "demo"), merchants[0].slug)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Chatting with {recipient} as {sender}. Type a message; Ctrl-D or /quit to leave.")
    seen = _OutboxWatch(runtime, sender)
    for line in _lines(interactive):
        if line.strip() in {"/quit", "/exit"}:
            break
        message = InboundMessage(channel=channel, sender=sender, recipient=recipient, text=line)
        try:
            outcome = runtime.engine.handle(message)
        except UnknownMerchant:
            raise click.ClickException(f"no merchant {recipient!r}: see `parcelbot merchant list`") from None
        for reply in outcome.replies:
            for out in terminal.render(reply, channel):
                click.echo(out)
        seen.print_new()


def _lines(interactive: bool) -> Iterator[str]:
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        yield line.rstrip("\n")


class _OutboxWatch:
    """Texts the bot sent on its own since the chat started (one-time codes, confirmations), as `sms>` lines."""

    def __init__(self, runtime: Runtime, phone: str) -> None:
        self.runtime, self.phone = runtime, phone
        self.started = datetime.now(UTC)
        self.seen: set[int] = set()

    def print_new(self) -> None:
        with self.runtime.sessions() as session:
            rows = session.scalars(
                select(m.Message)
                .where(m.Message.direction == "out", m.Message.recipient == self.phone,
                       m.Message.status.in_(["queued", "sandbox", "sent"]))
                .order_by(m.Message.id)
            )
            for row in rows:
                if row.id in self.seen:
                    continue
                self.seen.add(row.id)
                if row.created_at >= self.started:
                    click.echo(f"sms> {row.body}")
