"""The web wiring: the Flask app factory mounts the channels, the API and the pages on one Runtime.

No business logic lives here. Everything web is a blueprint registered from create_app, and reaches the
runtime through bot/web/ext.py (Flask's init_app pattern):

    channels/        inbound channels (Twilio SMS, Rasa-style REST), built from a ChannelHub
    bot/web/api/     the integration API (/api/v1) and signed photo links (/pod/<token>)
    bot/web/pages.py the landing page and /healthz;  tracking.py the signed tracking page (/t/<token>)
    bot/web/demo.py  the local demo page (sandbox only)
    bot/web/metrics.py  GET /metrics for Prometheus (docs/operations.md)
The agent console (/console) and the merchant admin (/admin) mount here as blueprints of their own.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import models as m
from backend.db import transaction
from bot.config import Settings
from bot.core import receipts
from bot.core.messages import Reply
from bot.core.outage import StoreUnavailable, is_store_outage, on_a_fresh_connection
from bot.core.outbox import sent_to_chat
from bot.engine import APOLOGY_TEXT, UnknownMerchant
from bot.runtime import Runtime, build_runtime
from bot.web import demo, pages, payments, tracking
from bot.web.admin import init_admin
from bot.web.api import bp as api_bp
from bot.web.api import pod_bp
from bot.web.api.routes import api_caller
from bot.web.console import init_console
from bot.web.errors import register_errors
from bot.web.ext import parcelbot
from bot.web.limits import init_limits, limit_api, refusals
from bot.web.metrics import init_metrics
from bot.web.nul_guard import refuse_nul
from bot.web.request import ParcelbotRequest, StorableInt, StrictJSON
from bot.web.stall_watch import watched_requests
from channels.base import ChannelHub, InboundChannel
from channels.rest import RestChannel
from channels.twilio_sms import TwilioSmsChannel

INBOUND_CHANNELS: tuple[InboundChannel, ...] = (TwilioSmsChannel(), RestChannel())


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Flask:
    settings = settings or (runtime.settings if runtime else Settings.from_env())
    runtime = runtime or build_runtime(settings)
    app = Flask(__name__)
    app.request_class = ParcelbotRequest  # deep JSON is a 400 on every endpoint, not a RecursionError
    app.json = StrictJSON(app)  # ...and so is a key given twice: which value was meant?
    app.url_map.converters["int"] = StorableInt  # an id past 64 bits is a 404, not an overflow
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    parcelbot.init_app(app, runtime)
    app.before_request(refuse_nul)  # first: NUL in a path, query, header or form field is a 400, not a DataError

    # Late-bound: a runtime whose engine is swapped (a test's interpreter) is the one the channels call.
    hub = ChannelHub(handle=lambda message: runtime.engine.handle(message), settings=settings,
                     only_merchant=lambda: only_merchant(runtime),
                     receipt=lambda sid, status, error: record_receipt(runtime, sid, status, error),
                     sent_to=lambda slug, channel, address, after: sent_to(runtime, slug, channel, address, after))
    for channel in INBOUND_CHANNELS:
        app.register_blueprint(channel.blueprint(hub))
    for blueprint in (pages.bp, tracking.bp, demo.bp, api_bp, pod_bp, payments.bp):  # payments: signed links, webhooks
        app.register_blueprint(blueprint)
    # The agent console: signed-in people, CSRF on their every change; the channels, the API (keys) and the
    # signed links prove their callers another way and carry no CSRF token.
    channel_bps = [app.blueprints[name] for name in app.blueprints if name not in ("pages", "tracking", "demo")]
    # Rate limits: sign-in per address, the API per key; every other blueprint skips the limiter (bot/web/limits.py)
    limiter = init_limits(app, storage_uri=_limits_storage(settings), key_prefix=settings.key_prefix,
                          skip=[b.name for b in (*channel_bps, demo.bp, pages.bp, tracking.bp) if b is not api_bp])
    limit_api(limiter, api_bp, settings.api_rate_limit, api_caller)
    app.extensions["parcelbot_refusals"] = refusals(limiter, settings.api_auth_failure_limit,  # read by require_key
                                                    settings.key_prefix)
    init_console(app, limiter=limiter, exempt=(*channel_bps, demo.bp))
    init_admin(app)  # the merchant console: the console's sign-in, role admin
    init_metrics(app)  # GET /metrics for operators; PARCELBOT_METRICS_TOKEN, if set, is required
    register_errors(app)
    if settings.proxies:  # behind a load balancer: the client's address, scheme and host, from our proxies only
        # The host too: over https the console's CSRF check wants the Referer to match https://<host>/, and a
        # proxy that forwards its upstream's name as Host must say the browser's in X-Forwarded-Host (docs).
        n = settings.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if runtime.engine.stall_guard is not None:  # PostgreSQL: a frozen database gets a 503, not a thread held for ever
        app.wsgi_app = watched_requests(app.wsgi_app, runtime.engine.stall_guard,  # type: ignore[method-assign]
                                        settings.db_stall_request_seconds)
    return app


def _limits_storage(settings: Settings) -> str:
    """Sign-in rate limits are shared by every worker when Redis carries the events (several workers), else
    kept in this process (the embedded default, tests)."""
    return settings.redis_url if settings.events_backend == "redis" else "memory://"


def record_receipt(runtime: Runtime, sid: str, status: str, error: str | None) -> bool:
    """A delivery receipt, recorded in a short transaction of its own (bot/core/receipts.py); one kept for a send
    not yet recorded is settled again once committed, in case the send's record committed meanwhile. A connection
    a database restart left dead is replaced and the receipt recorded on the next: Twilio won't send it again."""
    return on_a_fresh_connection(lambda: _record_receipt(runtime, sid, status, error))


def _record_receipt(runtime: Runtime, sid: str, status: str, error: str | None) -> bool:
    with transaction(runtime.sessions) as session:
        outcome = receipts.record_receipt(session, sid, status, error)
    if outcome == receipts.KEPT:
        with transaction(runtime.sessions) as session:
            return receipts.settle_early(session, sid)
    return outcome == receipts.APPLIED


def sent_to(runtime: Runtime, slug: str, channel: str, address: str, after: int) -> list[tuple[int, Reply]]:
    """What was sent to a chat since message `after` (bot/core/outbox.py sent_to_chat); UnknownMerchant for a
    slug that names none. The database away: StoreUnavailable, which the channel answers in its own shape."""
    try:
        with runtime.sessions() as session:
            merchant_id = session.scalar(select(m.Merchant.id).where(m.Merchant.slug == slug))
            if merchant_id is None:
                raise UnknownMerchant(slug)
            return [(msg.id, Reply(msg.body, tuple(msg.media_urls or ())))
                    for msg in sent_to_chat(session, merchant_id, channel, address, after=after)]
    except Exception as exc:
        if not is_store_outage(exc):
            raise
        raise StoreUnavailable(_store_down(runtime, channel)) from exc


def only_merchant(runtime: Runtime, channel: str = RestChannel.name) -> str | None:
    """The merchant's slug when this installation has exactly one (the REST channel's default). The database away:
    StoreUnavailable with the outage's words, which the channel answers in its own shape (review: it escaped as the
    generic 503 body, which a chat widget reading a list of replies could not show)."""
    try:
        with runtime.sessions() as session:
            slugs = list(session.scalars(select(m.Merchant.slug).limit(2)))
    except Exception as exc:
        if not is_store_outage(exc):
            raise
        raise StoreUnavailable(_store_down(runtime, channel)) from exc
    return slugs[0] if len(slugs) == 1 else None


def _store_down(runtime: Runtime, channel: str) -> str:
    try:
        return str(runtime.engine.wording.render("utter_store_down", merchant=None, channel=channel))
    except Exception:  # noqa: BLE001 - never silence
        return APOLOGY_TEXT


def run_server(app: Flask, host: str, port: int) -> None:
    """The embedded default's HTTP server (threaded werkzeug); production uses gunicorn 'bot.wsgi:app'."""
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)
