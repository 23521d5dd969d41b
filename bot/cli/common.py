"""What every `parcelbot` command shares: settings, a migrated database, number options, the demo list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from backend.db import make_engine, make_session_factory, upgrade
from bot.config import Settings
from bot.core.phone import InvalidPhoneNumber, to_e164

if TYPE_CHECKING:  # the demo's services import the whole service layer: not for every command's start
    from bot.services.demo import DemoParcel


def settings() -> Settings:
    return Settings.from_env()


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def migrated_sessions(settings: Settings) -> sessionmaker[Session]:
    """Sessions on a database brought up to the newest schema first (commands run on a fresh machine)."""
    upgrade(settings.database_url)
    return make_session_factory(make_engine(settings.database_url))


def e164_option(value: str | None, label: str) -> str | None:
    if value is None:
        return None
    try:
        return to_e164(value)
    except InvalidPhoneNumber as exc:
        raise click.BadParameter(str(exc), param_hint=label) from exc


def print_demo_parcels(parcels: Iterable[DemoParcel]) -> None:
    click.echo("demo parcels (text from these numbers):")
    for p in parcels:
        click.echo(f"  {p.phone}  {p.tracking}  order {p.order}  {p.item:<22} {p.note}")
