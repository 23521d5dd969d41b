"""Paying for a paid option: the shopper's /pay/<token> page and the providers' webhooks.

/pay/<token> is the link the bot texts (signed, bot/core/links.py). For Stripe it opens the Checkout Session
(created on the first visit, with no transaction open) and redirects there; for the sandbox (the embedded
default) it is the checkout itself: Pay and Cancel buttons, no money moves, and Pay goes through the same
webhook path a real provider's event takes. /webhooks/stripe (or /webhooks/stripe/<merchant slug> for a
merchant with its own Stripe account) believes only a body whose Stripe-Signature checks out: anything else
is 400 and nothing changes. These callers prove themselves by signature, so they carry no CSRF token.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from backend import local_time
from backend import models as m
from bot.core.links import InvalidLink
from bot.core.merchant_config import MerchantConfig
from bot.core.payments import BadWebhook, PaymentsNotConfigured, scoped
from bot.services.payments import OPEN, PayPage
from bot.web.ext import current_runtime

bp = Blueprint("payments", __name__, template_folder="templates")
log = logging.getLogger(__name__)


def _page_for(token: str) -> PayPage:
    rt = current_runtime()
    try:
        payment_id = rt.services.payments.payment_id(token)
    except InvalidLink as exc:
        abort(404, description=str(exc))
    page = rt.services.payments.open_checkout(rt.sessions, payment_id, rt.clock())
    if page is None:
        abort(404, description="no such payment")
    return page


def _render(page: PayPage, token: str, *, note: str = "", status: int = 200) -> tuple[str, int]:
    rt = current_runtime()
    with rt.sessions() as session:
        config = MerchantConfig.of(session.get(m.Merchant, page.merchant_id),
                                   default_timezone=rt.settings.default_timezone)
    expires = page.expires_at.astimezone(config.zone(rt.settings.default_timezone))
    until = f"{local_time.clock(expires, config.region)} {expires:%Z}"  # "14:30 GMT" / "2:30pm EST"
    return render_template("pay.html", page=page, token=token, brand=config.brand_name, look=config, note=note,
                           expires=until, open=page.status == OPEN), status


@bp.get("/pay/<token>")
def pay_page(token: str):  # noqa: ANN201
    page = _page_for(token)
    if page.status == OPEN and page.checkout_url and not request.args.get("cancelled") \
            and not request.args.get("done"):
        return redirect(page.checkout_url, code=303)
    note = ""
    if request.args.get("done") and page.status == OPEN:
        note = "Thank you. We are waiting for the payment to be confirmed; you will get a text."
    elif request.args.get("cancelled") and page.status == OPEN:
        note = "Nothing was paid and nothing was changed."
    return _render(page, token, note=note)


@bp.post("/pay/<token>")
def sandbox_choice(token: str):  # noqa: ANN201
    """The sandbox's buttons. Pay: the event a provider would send, signed, through the webhook path."""
    page = _page_for(token)
    if page.provider != "sandbox":
        abort(404)
    choice = request.form.get("choice")
    if choice not in ("pay", "cancel"):
        return _render(page, token, note="Choose Pay or Cancel.", status=422)
    if choice == "cancel" or page.status != OPEN:
        return redirect(url_for("payments.pay_page", token=token, cancelled=1 if choice == "cancel" else None),
                        code=303)
    rt = current_runtime()
    with rt.sessions() as session:
        merchant = session.get(m.Merchant, page.merchant_id)
        provider = rt.services.payments.provider_for(merchant)
        ref = session.scalar(select(m.Payment.provider_ref).where(m.Payment.id == page.payment_id))
        session.commit()
    sandbox_event = getattr(provider, "event", None)  # only the sandbox makes its own events
    if sandbox_event is None:
        abort(404)
    body, headers = sandbox_event("paid", ref or "", page.payment_id)
    rt.services.payments.handle_webhook(rt.uow(), provider, body, headers, rt.clock())
    return redirect(url_for("payments.pay_page", token=token), code=303)


@bp.post("/webhooks/stripe")
@bp.post("/webhooks/stripe/<slug>")
def stripe_webhook(slug: str | None = None) -> tuple[Response, int]:
    rt = current_runtime()
    config: dict = {"provider": "stripe"}
    if slug is not None:
        with rt.sessions() as session:
            merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == slug))
            config = dict((merchant.settings or {}).get("payments") or {}) if merchant else {}
            session.commit()
        if config.get("provider") != "stripe":
            abort(404, description="no Stripe account for this merchant")
    try:
        provider = rt.services.payments.providers(scoped(slug, config) if slug is not None else config)
        outcome = rt.services.payments.handle_webhook(rt.uow(), provider, request.get_data(), request.headers,
                                                      rt.clock())
    except BadWebhook as exc:
        return jsonify(error=str(exc)), 400
    except PaymentsNotConfigured as exc:
        log.error("stripe webhook: %s", exc)
        return jsonify(error="Stripe webhooks are not configured here"), 400
    return jsonify(received=True, outcome=outcome), 200
