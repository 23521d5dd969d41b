"""Small server-rendered pages: the landing page and the signed tracking page."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template

from bot.links import TRACKING_MAX_AGE, InvalidLink

bp = Blueprint("pages", __name__, template_folder="templates_html")


def _runtime():  # noqa: ANN202
    return current_app.extensions["parcelbot"]


@bp.get("/")
def index():  # noqa: ANN201
    return render_template("index.html")


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    from sqlalchemy import text

    with _runtime().sessions() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/t/<token>")
def tracking_page(token: str):  # noqa: ANN201
    """Status only (no address, no name): the link is shared by the bot with a verified recipient."""
    from sqlalchemy import select

    from backend import models as m
    from backend.registry import backend_for

    rt = _runtime()
    try:
        data = rt.links.load("track", token, TRACKING_MAX_AGE)
    except InvalidLink as exc:
        abort(404, description=str(exc))
    with rt.sessions() as session:
        merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == data["m"]))
        if merchant is None:
            abort(404)
        shipment = backend_for(session, merchant).get_shipment(data["t"])
        if shipment is None:
            abort(404)
        brand = (merchant.settings or {}).get("brand_name") or merchant.name
        tz = merchant.zone(rt.settings.default_timezone)
        return render_template("tracking.html", shipment=shipment, brand=brand, **_local_times(shipment, tz))


def _local_times(shipment, tz: ZoneInfo) -> dict:  # noqa: ANN001 - backend.types.Shipment
    """The merchant's wall clock with the zone named ("GMT", "BST"), like every time the bot texts:
    the shopper compares the page with what the bot said."""

    def local(moment: datetime) -> datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz)

    eta = ""
    if shipment.eta:
        start, end = local(shipment.eta.start), local(shipment.eta.end)
        eta = f"{start:%a %d %b %H:%M}–{end:%H:%M} ({start:%Z})"
    events = [(f"{local(e.occurred_at):%d %b %H:%M %Z}", e) for e in reversed(shipment.events)]
    return {"eta": eta, "events": events}
