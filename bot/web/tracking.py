"""The signed tracking page (/t/<token>): status only, in the merchant's time zone and brand.

No address, no name: the link is shared by the bot with a verified recipient, signed and expiring
(bot/core/links.py). Later, actions on the page go through the same services as the chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select

from backend import local_time
from backend import models as m
from backend.masking import public_description, public_place
from backend.protocol import Backend, BackendError, pin_parcel, scope_to_viewer
from backend.resilience import answer_within
from backend.types import Shipment, ShipmentStatus
from bot.core.links import TRACKING_MAX_AGE, InvalidLink, link_carrier
from bot.core.merchant_config import MerchantConfig
from bot.web.errors import CARRIER_RETRY_AFTER_SECONDS
from bot.web.ext import current_runtime

log = logging.getLogger(__name__)
bp = Blueprint("tracking", __name__, template_folder="templates")
# A page view waits at most this for a remote carrier (all its tries): a carrier that takes the request and never
# answers held a web thread for the HTTP client's 3 x 10 s, and a few dozen views of such pages took every thread
# of every worker, the shoppers' SMS webhooks included. Past it: the 503 "can't reach the carrier" page.
PAGE_WAITS_FOR_CARRIER = 5.0


def _unavailable(config: MerchantConfig) -> Response:
    """The carrier can't answer: say so in plain words, in the merchant's brand, and nothing about the parcel
    (a 500 was all a shopper got). 503 with Retry-After, so a browser or cache knows it is for now only."""
    page = render_template("tracking_unavailable.html", brand=config.brand_name, look=config)
    return Response(page, status=503, headers={"Retry-After": str(CARRIER_RETRY_AFTER_SECONDS)},
                    mimetype="text/html")


@bp.get("/t/<token>")
def tracking_page(token: str) -> str | Response:
    rt = current_runtime()
    try:
        data = rt.links.load("track", token, TRACKING_MAX_AGE)
        carrier = link_carrier(data)
    except InvalidLink as exc:
        abort(404, description=str(exc))
    with rt.sessions() as session:
        merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == data["m"]))
        if merchant is None:
            abort(404)
        session.commit()  # no transaction stays open across a remote carrier's network call
        config = MerchantConfig.of(merchant, default_timezone=rt.settings.default_timezone)
        try:
            with answer_within(PAGE_WAITS_FOR_CARRIER):
                shipment = _linked(rt.backends(session, merchant, rt.clock()), data["t"], carrier)
        except BackendError as exc:  # down, refusing, or a carrier setting that can't be used (BackendConfigError)
            log.warning("tracking page for %s: carrier unavailable: %s", merchant.slug, exc.__class__.__name__)
            return _unavailable(config)
        if shipment is None:
            abort(404)
        tz = config.zone(rt.settings.default_timezone)
        # White label: the merchant's name, colours (contrast-checked by MerchantConfig) and https logo.
        return render_template("tracking.html", shipment=shipment, brand=config.brand_name, look=config,
                               **_local_times(shipment, tz, lambda status: _status_words(rt, config, status),
                                              config.region))


def _linked(backend: Backend, tracking_number: str, carrier: str | None) -> Shipment | None:
    """The parcel the link was made for: its carrier's, when the link names one; else the number's only parcel.
    One merchant may hold two carriers' parcels under one number, each someone else's: a link never opens the
    other, and a link that doesn't say which of two (made before links named carriers) opens neither."""
    scope_to_viewer(backend, None)  # nobody is viewing by phone here
    if carrier is not None:
        pin_parcel(backend, tracking_number, carrier)
    shipment = backend.get_shipment(tracking_number)
    return shipment if shipment is not None and carrier in (None, shipment.carrier) else None


def _status_words(rt: Any, config: MerchantConfig, status: ShipmentStatus) -> str:
    words = str(rt.wording.render(f"label_status_{status.value}", merchant=config))
    return words[:1].upper() + words[1:]


def _local_times(shipment: Shipment, tz: ZoneInfo, status_words: Callable[[ShipmentStatus], str],
                 region: str = "GB") -> dict[str, Any]:
    """The merchant's wall clock with the zone named ("GMT", "BST"), in the region's form, like every time the bot
    texts (backend/local_time): the shopper compares the page with what the bot said."""

    def local(moment: datetime) -> datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz)

    eta = ""
    if shipment.eta:
        start, end = local(shipment.eta.start), local(shipment.eta.end)
        eta = f"{local_time.day(start, region)} {local_time.span(start, end, region)} ({start:%Z})"
    # Anyone holding the link sees this page: a carrier's location and words can hold the recipient's street
    # and postcode, so a coarse place only, and a description that says more is worded by its status.
    events = [(f"{local_time.day(local(e.occurred_at), region)} {local_time.clock(local(e.occurred_at), region)} "
               f"{local(e.occurred_at):%Z}",
               public_description(e.description, shipment.address) or status_words(e.status),
               public_place(e.location, shipment.address))
              for e in reversed(shipment.events)]
    return {"eta": eta, "events": events}
