"""Small server-rendered pages: the landing page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from bot.core.outage import on_a_fresh_connection
from bot.web.ext import current_runtime

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """The database must answer (else an error status). An NLU server that is down makes the bot "degraded",
    still HTTP 200: keywords, codes and people still work, and restarting or draining this process would not
    bring the NLU back. Why it is down goes to the log, not to this public page. So does a Redis this host shares
    work through (queue, events, kept messages) that doesn't answer: turns are still answered (docs/faults.md 3),
    but a host pointed at the wrong one said "ok" while nothing it did reached the others."""
    runtime = current_runtime()

    def ask() -> None:
        with runtime.sessions() as session:
            session.execute(text("SELECT 1"))

    on_a_fresh_connection(ask)  # a connection a restart left dead is not the database being down (review 9)
    unavailable: dict[str, str] = {}
    health = getattr(runtime.engine.interpreter, "health", None)
    if health is not None and not health().ok:
        unavailable["nlu"] = "unavailable"
    if runtime.redis_health is not None and not runtime.redis_health.ok():
        unavailable["redis"] = "unavailable"
    return {"status": "degraded", **unavailable} if unavailable else {"status": "ok"}
