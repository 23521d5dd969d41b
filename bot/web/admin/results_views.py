"""The merchant console's Results page (being built in this change: see bot/web/admin/__init__.py)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from bot.web.admin.base import admin_required, bp


@bp.get("", endpoint="results")
@admin_required
def results_page() -> Any:
    return render_template("admin/placeholder.html", title="Results")
