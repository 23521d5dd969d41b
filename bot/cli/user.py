"""`parcelbot user add|list|deactivate`: the people who sign in to the agent console (/console).

The password is read from stdin with --password-stdin (scripts, secrets managers), else asked for twice
without echo; it never appears in the shell history or the process list.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from backend.db import transaction
from backend.models import utcnow
from bot.cli.apikey import _merchant, _sessions
from bot.core import audit
from bot.core.phone import InvalidPhoneNumber, to_e164
from bot.services.users import MIN_PASSWORD, ROLES, UserError, add_user


@click.group("user")
def user_cli() -> None:
    """Console users (agents and admins)."""


@user_cli.command("add")
@click.argument("email")
@click.option("--merchant", "slug", required=True, help="The merchant whose conversations they see.")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--name", default=None, help="What shoppers and colleagues see (default: the e-mail's name).")
@click.option("--max-open", default=5, show_default=True, type=click.IntRange(1, 100),
              help="Conversations they are given at once, at most.")
@click.option("--phone", default=None, help="Their mobile number (E.164, e.g. +447700900123): where the merchant "
              "console's \"send me a test\" texts go.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
def user_add(email: str, slug: str, role: str, name: str | None, max_open: int, phone: str | None,
             password_stdin: bool) -> None:
    """Add a console user for merchant --merchant."""
    number = _phone(phone) if phone else None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Password (at least {MIN_PASSWORD} characters)", hide_input=True,
                                confirmation_prompt=True)
    try:
        with transaction(_sessions()) as session:
            user = add_user(session, merchant=_merchant(session, slug), email=email, password=password, role=role,
                            name=name, max_open=max_open)
            user.phone = number
            _audit(session, user, "user_add", "created", role=role)
            shown = f"{user.email} ({user.role}) for {slug}"
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {shown}; sign in at /console/login")


def _phone(raw: str) -> str:
    try:
        return to_e164(raw)
    except InvalidPhoneNumber:
        raise click.BadParameter(f"{raw!r} is not a phone number; use E.164, e.g. +447700900123",
                                 param_hint="--phone") from None


def _user(session: Session, email: str) -> m.User:
    user = session.scalar(select(m.User).where(m.User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


def _audit(session: Session, user: m.User, action: str, result: str, **detail: Any) -> None:
    audit.record(session, at=utcnow(), merchant_id=user.merchant_id, actor="cli", action=action,
                 subject=user.email, result=result, **detail)


@user_cli.command("phone")
@click.argument("email")
@click.argument("phone")
def user_phone(email: str, phone: str) -> None:
    """Set a user's mobile number (where "send me a test" goes); "none" removes it."""
    number = None if phone.strip().lower() == "none" else _phone(phone)
    with transaction(_sessions()) as session:
        user = _user(session, email)
        user.phone = number
        _audit(session, user, "user_phone", "set" if number else "removed")
    click.echo(f"{email}: phone {number or 'removed'}")


@user_cli.command("list")
@click.argument("slug")
def user_list(slug: str) -> None:
    """List merchant SLUG's console users."""
    with _sessions()() as session:
        merchant = _merchant(session, slug)
        for u in session.scalars(select(m.User).where(m.User.merchant_id == merchant.id).order_by(m.User.id)):
            state = "active" if u.active else "deactivated"
            click.echo(f"{u.email}  {u.role}  {u.name}  max {u.max_open}  {u.phone or 'no phone'}  {state}")


@user_cli.command("deactivate")
@click.argument("email")
def user_deactivate(email: str) -> None:
    """Sign a user out for good (on their next click) and refuse their password from now on."""
    with transaction(_sessions()) as session:
        user = _user(session, email)
        user.active = False
        _audit(session, user, "user_deactivate", "deactivated")
    click.echo(f"deactivated {email}")
