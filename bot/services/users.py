"""Console users: who may sign in, as what, for which merchant.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended set): a leaked
table can't be reversed cheaply, and the hash carries its parameters, so a stronger default later rehashes
on the next sign-in. Signing in with an unknown e-mail costs the same hash as a wrong password, so timing
doesn't say which e-mails exist. Channel-free: the CLI and the console both call this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import models as m

ROLES = ("agent", "admin")
MIN_PASSWORD = 12
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("parcelbot: no such user")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")


class UserError(ValueError):
    """A user that can't be created as asked (the CLI prints it as one line)."""


@dataclass(frozen=True)
class Agent:
    """Who is acting in the console: enough to scope, audit and show, nothing secret."""

    id: int
    merchant_id: int
    email: str
    name: str
    role: str
    session_version: int = 0  # the user's, when signed in: a cookie with an older one is over (signed out)

    @property
    def actor(self) -> str:
        return f"agent:{self.email}"

    @classmethod
    def of(cls, user: m.User) -> Agent:
        return cls(user.id, user.merchant_id, user.email, user.name, user.role, user.session_version or 0)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def add_user(session: Session, *, merchant: m.Merchant, email: str, password: str, role: str = "agent",
             name: str | None = None, max_open: int = 5) -> m.User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if session.scalar(select(m.User.id).where(func.lower(m.User.email) == email)) is not None:
        raise UserError(f"a user {email} already exists")
    user = m.User(merchant_id=merchant.id, email=email, name=(name or email.split("@")[0]).strip()[:100],
                  role=role, password_hash=hash_password(password), max_open=max(1, max_open))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> m.User | None:
    """The active user with this e-mail and password, else None (the same work either way)."""
    user = session.scalar(select(m.User).where(func.lower(m.User.email) == email.strip().lower()))
    try:
        _HASHER.verify(user.password_hash if user is not None else _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user
