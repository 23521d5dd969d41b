"""The merchant console's blueprint and its one rule: only a signed-in admin of the merchant gets in.

Admins sign in where agents do (/console/login, the same Flask-Login session, argon2 hashes, CSRF on every
change). An agent who opens /admin gets 403: wording, settings and the money view are the merchant's, not
the support team's. Every page scopes what it reads and writes by the admin's own merchant.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g
from flask_login import current_user, login_required

from bot.services.users import Agent

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")
NAV = (("admin.results", "Results"), ("admin.templates", "Wording"), ("admin.settings", "Settings"))


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in (else to the sign-in page) and an admin (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        agent: Agent = current_user.agent
        if agent.role != "admin":
            abort(403)
        g.console_agent = agent
        return view(*args, **kwargs)

    return wrapped


def signed_in_admin() -> Agent:
    """The admin of this request (only inside an @admin_required view)."""
    return g.console_agent


@bp.context_processor
def _navigation() -> dict[str, Any]:
    return {"admin_nav": NAV, "agent": getattr(g, "console_agent", None)}
