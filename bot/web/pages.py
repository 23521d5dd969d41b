"""Small server-rendered pages: the landing page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from bot.web.ext import current_runtime

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    with current_runtime().sessions() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}
