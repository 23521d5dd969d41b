"""GET /api/v1/metrics?from=YYYY-MM-DD&to=YYYY-MM-DD: what the bot achieved for the caller's merchant over
[from, to) in the merchant's time zone, with each figure's parts and definition (bot/services/outcomes.py).

Who may call: the merchant's API key, or an admin signed in to the console (the Results page's figures).
A signed-in agent gets 403: results and the money view are the merchant's, like its settings. A bad date,
`from` not before `to`, or a range over a year is a 422 naming the field.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, g, jsonify, request

from backend import models as m
from bot.services.outcomes import BadRange, as_json, compute, window_for
from bot.web.api.routes import SESSION_ENDPOINTS, _error, _now, _runtime, bp, merchant_id

DEFAULT_DAYS = 30
EARLIEST, LATEST = date(1970, 1, 1), date(9000, 12, 31)


def _day(name: str, default: date) -> date:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else _bad(name)
    except ValueError:
        return _bad(name)
    if not EARLIEST <= day <= LATEST:  # the default range and the zone's offsets must not leave the calendar
        raise BadRange({name: f"must be between {EARLIEST} and {LATEST}"})
    return day


def _bad(name: str) -> date:
    raise BadRange({name: "must be a date written YYYY-MM-DD"})


@bp.get("/metrics")
def get_metrics() -> Response:
    who = getattr(g, "console_agent", None)
    if who is not None and who.role != "admin":
        return _error(403, "only an admin of this merchant can see its results")
    rt = _runtime()
    with rt.sessions() as session:
        merchant = session.get(m.Merchant, merchant_id())
        today = _now().astimezone(merchant.zone(rt.settings.default_timezone)).date()
        try:
            end = _day("to", today + timedelta(days=1))
            start = _day("from", end - timedelta(days=DEFAULT_DAYS))
            window = window_for(merchant, start, end, now=_now(), default_timezone=rt.settings.default_timezone)
        except BadRange as exc:
            return _error(422, "invalid date range: see errors", exc.errors)
        body = as_json(compute(session, merchant, window))
    response = jsonify(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response


SESSION_ENDPOINTS.add("api.get_metrics")
