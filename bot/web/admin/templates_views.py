"""The merchant console's Wording page (being built in this change: see bot/web/admin/__init__.py)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from bot.web.admin.base import admin_required, bp


@bp.get("/templates", endpoint="templates")
@admin_required
def templates_page() -> Any:
    return render_template("admin/placeholder.html", title="Wording")
