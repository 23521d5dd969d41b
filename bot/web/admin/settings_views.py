"""The merchant console's Settings page (being built in this change: see bot/web/admin/__init__.py)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from bot.web.admin.base import admin_required, bp


@bp.get("/settings", endpoint="settings")
@admin_required
def settings_page() -> Any:
    return render_template("admin/placeholder.html", title="Settings")
