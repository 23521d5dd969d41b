"""The agent console (/console): support agents sign in, see who is waiting for a person, take a conversation
over live, write to the shopper, leave notes, and hand it back or resolve it.

Server-rendered pages whose forms work without JavaScript (each action is a POST with a CSRF token, then a
redirect back); a little script adds live updates (server-sent events) and alerts. The page's data comes
from the same conversation API a helpdesk uses (bot/web/api/conversations.py), and every move goes
through bot/services/console.py, so the console holds no rules of its own.

`init_console(app)` wires the sign-in (Flask-Login, argon2 hashes), CSRF protection (Flask-WTF, for every
state-changing request of a signed-in person) and sign-in rate limiting (Flask-Limiter, bot/web/limits.py).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter

from bot.web.api.routes import SESSION_AUTH
from bot.web.console.auth import api_session_agent, csrf, login_manager
from bot.web.console.views import bp

LOGIN_LIMITS = ("10 per minute", "50 per hour")  # per address (argon2 makes each guess slow as well)


def init_console(app: Flask, *, limiter: Limiter, exempt: tuple = ()) -> None:
    """Mount the console on `app`. `exempt`: blueprints whose callers prove themselves another way (a Twilio
    signature, an API key, a signed link) and so carry no CSRF token. `limiter`: the app's (bot/web/limits.py)."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the signed-in session
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    login_manager.init_app(app)
    csrf.init_app(app)
    for blueprint in exempt:
        csrf.exempt(blueprint)
    app.register_blueprint(bp)
    view = app.view_functions["console.login"]
    for limit in LOGIN_LIMITS:
        view = limiter.limit(limit, methods=["POST"])(view)
    app.view_functions["console.login"] = view
    if api_session_agent not in SESSION_AUTH:
        SESSION_AUTH.append(api_session_agent)


__all__ = ["bp", "init_console"]
