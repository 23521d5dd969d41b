"""Signing in to the console: who the person is, on every request, from a signed session cookie.

Flask-Login keeps only the user's id in Flask's signed session; each request loads the user again, so a
deactivated agent is out on their next click. A failed sign-in says nothing about which part was wrong.
"""

from __future__ import annotations

from flask import request
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from backend import models as m
from bot.services.users import Agent
from bot.web.ext import current_runtime

login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = ""
csrf = CSRFProtect()
_SAFE = ("GET", "HEAD", "OPTIONS")


class ConsoleUser(UserMixin):
    """The signed-in person as Flask-Login wants them; `agent` is what the services see."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.id = f"{agent.id}:{agent.session_version}"  # what the cookie holds (load_user reads it back)


@login_manager.user_loader
def load_user(user_id: str) -> ConsoleUser | None:
    """The cookie's user, if still active and not signed out since the cookie was made (session_version)."""
    number, _, version = user_id.partition(":")
    if not (number.isascii() and number.isdigit() and len(number) < 12) or not (version or "0").isdigit():
        return None
    with current_runtime().sessions() as session:
        user = session.get(m.User, int(number))
        if user is None or not user.active or str(user.session_version or 0) != (version or "0"):
            return None
        return ConsoleUser(Agent.of(user))


def end_sessions(user_id: int) -> None:
    """Sign the user out everywhere: every cookie made before now stops working."""
    rt = current_runtime()
    with rt.uow() as uow:
        user = uow.session.get(m.User, user_id, with_for_update=True)
        if user is not None:
            user.session_version = (user.session_version or 0) + 1


def signed_in_agent() -> Agent | None:
    return current_user.agent if current_user.is_authenticated else None


def api_session_agent() -> Agent | None:
    """The conversation API called from the console's page: the session is the credential, so a
    state-changing call must carry the page's CSRF token (X-CSRFToken) or it is refused (400)."""
    agent = signed_in_agent()
    if agent is not None and request.method not in _SAFE:
        csrf.protect()
    return agent
