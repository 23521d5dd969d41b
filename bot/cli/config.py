"""`parcelbot config export|import SLUG FILE`: a merchant's whole configuration as YAML, to keep in git.

FILE may be `-` for stdout / stdin. An import checks everything first (settings and every wording override)
and changes nothing if anything is wrong; each error is printed on stderr with its path, and the exit code
is 1. Recorded as a configuration revision by "cli".
"""

from __future__ import annotations

import sys

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import transaction
from bot.cli.common import migrated_sessions, settings
from bot.core.wording import Wording
from bot.services.merchant_settings import SettingsInvalid, export_yaml, import_config, parse_document


def _merchant(session: Session, slug: str) -> m.Merchant:
    merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == slug))
    if merchant is None:
        raise click.ClickException(f"no merchant {slug!r}: see `parcelbot merchant list`")
    return merchant


def _report(exc: SettingsInvalid) -> None:
    click.echo(f"nothing was changed: {len(exc.errors)} problem(s)", err=True)
    for path, problem in exc.errors.items():
        click.echo(f"  {path}: {problem}", err=True)


@click.group("config")
def config_cli() -> None:
    """A merchant's whole configuration (settings, wording overrides, service rules) as YAML."""


@config_cli.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def config_export(slug: str, file: str) -> None:
    """Write merchant SLUG's configuration to FILE (`-`: stdout)."""
    with migrated_sessions(settings())() as session:
        text = export_yaml(_merchant(session, slug))
    if file == "-":
        click.echo(text, nl=False)
        return
    try:
        with open(file, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise click.ClickException(f"can't write {file}: {exc.strerror}") from None
    click.echo(f"exported {slug} to {file}", err=True)


@config_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def config_import(slug: str, file: str) -> None:
    """Replace merchant SLUG's configuration with FILE (`-`: stdin); any error changes nothing."""
    try:
        if file == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(file, "rb") as handle:
                raw = handle.read()
    except OSError as exc:
        raise click.ClickException(f"can't read {file}: {exc.strerror}") from None
    try:
        doc = parse_document(raw)
        with transaction(migrated_sessions(settings())) as session:
            applied = import_config(session, _merchant(session, slug), doc, author="cli", wording=Wording())
    except SettingsInvalid as exc:
        _report(exc)
        sys.exit(1)
    changed = ", ".join(applied.changed) or "nothing (already the same)"
    for warning in applied.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported {file} into {slug}: changed {changed} (revision {applied.revision_id})", err=True)
