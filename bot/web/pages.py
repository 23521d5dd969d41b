"""Small server-rendered pages: the landing page and the health check."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, render_template
from sqlalchemy import text

from backend.migrate import code_revisions, schema_behind
from bot.core.outage import on_a_fresh_connection
from bot.web.ext import current_runtime

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    return render_template("index.html")


def not_migrated(runtime: Any) -> str | None:
    """The log's line when the database's schema is behind this code's migrations (None when it is not)."""
    with runtime.sessions() as session:
        behind = schema_behind(session.connection())
    if behind is None:
        return None
    return (f"the database's schema is {'missing' if behind == 'no schema' else 'at revision ' + behind}, this code"
            f" needs {code_revisions()[0]}: run `parcelbot db upgrade` (docs/deployment.md)")


@bp.get("/healthz")
def healthz() -> Any:
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
    # A schema behind the code's migrations: every turn would fail ("relation ... does not exist"), so not ready.
    # Asked until it is at head (or ahead); a schema is never migrated backwards, so then never again.
    if not current_app.extensions.get("schema_ready"):
        problem = on_a_fresh_connection(lambda: not_migrated(runtime))
        if problem:
            log.warning("not ready: %s", problem)
            return {"status": "unavailable", "database": "not migrated"}, 503
        current_app.extensions["schema_ready"] = True
    unavailable: dict[str, str] = {}
    health = getattr(runtime.engine.interpreter, "health", None)
    if health is not None and not health().ok:
        unavailable["nlu"] = "unavailable"
    if runtime.redis_health is not None and not runtime.redis_health.ok():
        unavailable["redis"] = "unavailable"
    return {"status": "degraded", **unavailable} if unavailable else {"status": "ok"}
