"""The merchant console (/admin): the merchant owns the bot's words, brand and policies, and sees what it
achieves. Server-rendered pages (forms work without JavaScript; a little script adds the live preview),
behind the console's sign-in with role `admin`.

    base.py              the blueprint and admin_required
    templates_views.py   wording: every template, per-channel variants, checks, preview, history, test send
    settings_views.py    settings: one typed schema (bot/core/settings_schema.py), import/export
    results_views.py     results: outcome charts and the money view (bot/services/outcomes.py)

The pages hold no rules: they call the same services as the API (/api/v1/templates, /settings, /metrics).
"""

from __future__ import annotations

from flask import Flask

from bot.web.admin import results_views, settings_views, templates_views  # noqa: F401  (routes on bp)
from bot.web.admin.base import bp


def init_admin(app: Flask) -> None:
    """Mount /admin. Sign-in, sessions and CSRF come from the console (init_console runs first)."""
    app.register_blueprint(bp)


__all__ = ["bp", "init_admin"]
