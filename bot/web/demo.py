"""The demo page: a web chat on the Rasa-style REST channel beside the sandbox outbox.

It shows texts that were never really sent (one-time codes included), so it only exists while the
sandbox sender is in use (no Twilio account configured) and only answers requests from this machine: from a
loopback address, for a loopback host name, and not relayed by a proxy or tunnel (which connect from
127.0.0.1 too). A same-host proxy that adds none of those headers can't be told apart: don't put one in front
of a sandbox installation.
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import select

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from bot.services.demo import DEMO_PARCELS, DEMO_SLUG
from bot.web.ext import current_runtime

bp = Blueprint("demo_page", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


# A tunnel or reverse proxy on this machine connects from 127.0.0.1 too; these headers are how it shows.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host", "X-Forwarded-Proto", "Via",
                 "CF-Connecting-IP", "True-Client-IP")


def _is_local_name(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host  # "localhost:8000", "[::1]:8000", "::1"
    name = name.split("]")[0].lstrip("[").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _allowed() -> bool:
    runtime = current_runtime()
    if runtime.settings.twilio_sending_enabled:
        return False
    if any(request.headers.get(h) for h in PROXY_HEADERS) or not _is_local_name(request.host or ""):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.before_request
def only_local_sandbox() -> None:
    if request.endpoint == "demo_page.static":
        return
    if not _allowed():
        abort(404)


@bp.get("/demo")
def page():  # noqa: ANN201
    """The demo merchant's look (white label: name, colours, logo), as a shopper would see it."""
    runtime = current_runtime()
    with runtime.sessions() as session:
        merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == DEMO_SLUG))
        look = MerchantConfig.of(merchant, default_timezone=runtime.settings.default_timezone)
    return render_template("demo.html", parcels=DEMO_PARCELS, look=look)


@bp.get("/demo/outbox")
def outbox():  # noqa: ANN201
    runtime = current_runtime()
    with runtime.sessions() as session:
        rows = session.scalars(
            select(m.Message).where(m.Message.direction == "out", m.Message.status != "reply")
            .order_by(m.Message.id.desc()).limit(50)
        )
        return jsonify([
            {"to": r.recipient, "channel": r.channel, "body": r.body, "media_urls": r.media_urls or [],
             "status": r.status, "created_at": r.created_at.isoformat()}
            for r in rows
        ])
