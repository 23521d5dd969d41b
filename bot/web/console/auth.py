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
        self.id = str(agent.id)


@login_manager.user_loader
def load_user(user_id: str) -> ConsoleUser | None:
    if not user_id.isdigit():
        return None
    with current_runtime().sessions() as session:
        user = session.get(m.User, int(user_id))
        if user is None or not user.active:
            return None
        return ConsoleUser(Agent.of(user))


def signed_in_agent() -> Agent | None:
    return current_user.agent if current_user.is_authenticated else None


def api_session_agent() -> Agent | None:
    """The conversation API called from the console's page: the session is the credential, so a
    state-changing call must carry the page's CSRF token (X-CSRFToken) or it is refused (400)."""
    agent = signed_in_agent()
    if agent is not None and request.method not in _SAFE:
        csrf.protect()
    return agent
