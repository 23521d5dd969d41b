"""The `parcelbot` command: run, chat, migrate, manage merchants, train and benchmark.

Commands print plain results on stdout and problems on stderr with a non-zero exit; never a traceback
for a mistake the operator can fix.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

import click
from sqlalchemy import select

from backend import models as m
from backend.db import is_empty, make_engine, make_session_factory, transaction, upgrade
from bot.config import Settings
from bot.phone import InvalidPhoneNumber, to_e164


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
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
    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _sessions(settings: Settings):  # noqa: ANN202
    upgrade(settings.database_url)
    return make_session_factory(make_engine(settings.database_url))


# -- merchants -------------------------------------------------------------------------------------------
@main.group()
def merchant() -> None:
    """Merchants: the number a message is sent to selects one."""


def _e164_option(value: str | None, label: str) -> str | None:
    if value is None:
        return None
    try:
        return to_e164(value)
    except InvalidPhoneNumber as exc:
        raise click.BadParameter(str(exc), param_hint=label) from exc


@merchant.command("add")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--sms-number", required=True, help="E.164, e.g. +441614960000")
@click.option("--whatsapp-number", default=None)
@click.option("--timezone", default="Europe/London", show_default=True)
def merchant_add(slug: str, name: str, sms_number: str, whatsapp_number: str | None, timezone: str) -> None:
    """Add a merchant."""
    import re
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug):
        raise click.BadParameter("use 2-63 lower-case letters, digits and dashes", param_hint="SLUG")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone") from exc
    sms = _e164_option(sms_number, "--sms-number")
    wa = _e164_option(whatsapp_number, "--whatsapp-number")
    sessions = _sessions(_settings())
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
    sessions = _sessions(_settings())
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
def demo() -> None:
    """Seed (or reset) the demo merchant and its demo parcels."""
    from bot.demo import DEMO_PARCELS, seed_demo

    sessions = _sessions(_settings())
    with transaction(sessions) as session:
        merchant = seed_demo(session)
        click.echo(f"demo merchant {merchant.slug!r} ({merchant.name}) on SMS {merchant.sms_number}")
    _print_demo_parcels(DEMO_PARCELS)


def _print_demo_parcels(parcels) -> None:  # noqa: ANN001
    click.echo("demo parcels (text from these numbers):")
    for p in parcels:
        click.echo(f"  {p.phone}  {p.tracking}  order {p.order}  {p.item:<22} {p.note}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the embedded default: migrate, seed the demo if empty, train NLU if missing, serve HTTP."""
    import os

    from bot.app import create_app, run_server
    from bot.demo import DEMO_PARCELS, seed_demo

    if not os.environ.get("PARCELBOT_PUBLIC_URL"):
        os.environ["PARCELBOT_PUBLIC_URL"] = f"http://{host}:{port}"
    settings = _settings()
    (settings.data_dir / "serve_url").write_text(settings.public_base_url or "")
    engine = make_engine(settings.database_url)
    empty = is_empty(engine)
    upgrade(settings.database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        has_merchants = session.scalar(select(m.Merchant.id).limit(1)) is not None
    if empty or not has_merchants:
        with transaction(sessions) as session:
            seed_demo(session)
        click.echo("seeded the demo merchant and parcels")
    if not settings.nlu_model_path.exists():
        click.echo("training the NLU model from training_data/ (first run only, about half a minute)...")
    app = create_app(settings)
    base = f"http://{host}:{port}"
    click.echo(f"""
Parcelbot is running on {base}
  chat in a terminal:   parcelbot chat --from +447700900123
  SMS webhook (Twilio): POST {base}/twilio/sms
  REST (Rasa-style):    POST {base}/webhooks/rest/webhook
  health:               GET  {base}/healthz
  demo page (web chat + sandbox outbox, this machine only): {base}/demo
""")
    _print_demo_parcels(DEMO_PARCELS)
    from bot.sending import start_ticker

    start_ticker(app.extensions["parcelbot"])  # in-process jobs: send the outbox, retry carrier writes
    run_server(app, host, port)


@main.command()
@click.option("--from", "sender", default="+447700900123", show_default=True, help="your phone number")
@click.option("--to", "recipient", default=None, help="merchant number or slug (default: the only/demo merchant)")
@click.option("--channel", default="cli", type=click.Choice(["cli", "sms", "whatsapp"]), show_default=True)
def chat(sender: str, recipient: str | None, channel: str) -> None:
    """Chat with the bot in this terminal, as if texting from --from (like `rasa shell`)."""
    from bot.engine import UnknownMerchant
    from bot.messages import InboundMessage
    from bot.runtime import build_runtime

    sender = _e164_option(sender, "--from") or sender
    settings = _settings()
    upgrade(settings.database_url)
    runtime = build_runtime(settings, synchronous_jobs=True)
    with runtime.sessions() as session:
        merchants = list(session.scalars(select(m.Merchant).order_by(m.Merchant.id)))
    if recipient is None:
        if not merchants:
            raise click.ClickException("no merchants: run `parcelbot demo` (or `parcelbot serve`) first")
        recipient = next((x.slug for x in merchants if x.slug == "demo"), merchants[0].slug)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Chatting with {recipient} as {sender}. Type a message; Ctrl-D or /quit to leave.")
    for line in _lines(interactive):
        if line.strip() in {"/quit", "/exit"}:
            break
        message = InboundMessage(
            channel=channel, sender=sender, recipient=recipient, text=line, channel_message_id=None
        )
        try:
            outcome = runtime.engine.handle(message)
        except UnknownMerchant:
            raise click.ClickException(f"no merchant {recipient!r}: see `parcelbot merchant list`") from None
        for reply in outcome.replies:
            click.echo(f"bot> {reply.text}")
            for url in reply.media_urls:
                click.echo(f"bot> [photo] {url}")
        _print_new_outbox(runtime, sender)


def _lines(interactive: bool):  # noqa: ANN202
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        yield line.rstrip("\n")


_seen_outbox: set[int] = set()


def _print_new_outbox(runtime, phone: str) -> None:  # noqa: ANN001
    """Texts the bot sent on its own (one-time codes, confirmations) show up in the chat too."""
    with runtime.sessions() as session:
        rows = session.scalars(
            select(m.Message)
            .where(
                m.Message.direction == "out",
                m.Message.recipient == phone,
                m.Message.status.in_(["queued", "sandbox", "sent"]),
            )
            .order_by(m.Message.id)
        )
        for row in rows:
            if row.id in _seen_outbox:
                continue
            _seen_outbox.add(row.id)
            if row.created_at >= _chat_started:
                click.echo(f"sms> {row.body}")


_chat_started = datetime.now(UTC)


def _register_optional() -> None:
    """Command groups that live beside their subsystems."""
    from bot.apikeys import apikey_cli

    main.add_command(apikey_cli)
    try:
        from bot.cli_nlu import bench_clinc, bench_nlu, nlu
    except ImportError:  # pragma: no cover - during bootstrap only
        return
    main.add_command(nlu)

    @main.group()
    def bench() -> None:
        """Benchmarks that print figures."""

    bench.add_command(bench_nlu, "nlu")
    bench.add_command(bench_clinc, "clinc")
    from bot.bench import bench_engine

    bench.add_command(bench_engine, "engine")


_register_optional()

if __name__ == "__main__":  # pragma: no cover
    main()
