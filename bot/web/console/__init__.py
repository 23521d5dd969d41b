"""The agent console (/console): support agents sign in, see who is waiting for a person, take a conversation
over live, write to the shopper, leave notes, and hand it back or resolve it.

Server-rendered pages whose forms work without JavaScript (each action is a POST with a CSRF token, then a
redirect back); a little script adds live updates (server-sent events) and alerts. The page's data comes
from the same conversation API a helpdesk uses (bot/web/api/conversations.py), and every move goes
through bot/services/console.py, so the console holds no rules of its own.

`init_console(app)` wires the sign-in (Flask-Login, argon2 hashes), CSRF protection (Flask-WTF, for every
state-changing request of a signed-in person) and sign-in rate limiting (Flask-Limiter).
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from bot.web.api.routes import SESSION_AUTH
from bot.web.console.auth import api_session_agent, csrf, login_manager
from bot.web.console.views import bp

LOGIN_LIMITS = ("10 per minute", "50 per hour")  # per address (argon2 makes each guess slow as well)


def init_console(app: Flask, *, storage_uri: str = "memory://", exempt: tuple = ()) -> None:
    """Mount the console on `app`. `exempt`: blueprints whose callers prove themselves another way (a Twilio
    signature, an API key, a signed link) and so carry no CSRF token."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the signed-in session
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    login_manager.init_app(app)
    csrf.init_app(app)
    for blueprint in exempt:
        csrf.exempt(blueprint)
    app.register_blueprint(bp)
    # With Redis away, the limits are kept in this worker's memory until it is back (a sign-in must not fail
    # because a counter can't be reached, nor go unlimited): Flask-Limiter's in-memory fallback.
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, default_limits=[],
                      strategy="fixed-window", in_memory_fallback_enabled=True,
                      storage_options={"socket_connect_timeout": 1, "socket_timeout": 1})
    # Only sign-in is limited; a webhook or an exempt page skips the limiter's per-request resolution altogether
    # (about 2 % of a turn's CPU, docs/performance.md): their callers prove themselves another way. A limit added
    # later to one of these blueprints (the API, say) would be skipped: take that blueprint out of this filter.
    unlimited = frozenset(blueprint.name for blueprint in exempt)
    limiter.request_filter(lambda: request.blueprint in unlimited)
    view = app.view_functions["console.login"]
    for limit in LOGIN_LIMITS:
        view = limiter.limit(limit, methods=["POST"])(view)
    app.view_functions["console.login"] = view
    if api_session_agent not in SESSION_AUTH:
        SESSION_AUTH.append(api_session_agent)


__all__ = ["bp", "init_console"]
