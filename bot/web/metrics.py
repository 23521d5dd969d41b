"""GET /metrics: Prometheus's text exposition of bot/core/telemetry.py, for operators (docs/operations.md).

Scraped from inside the network. PARCELBOT_METRICS_TOKEN (from the environment, read when the app is
built), if set, is required as `Authorization: Bearer <token>`; without it the route is open, as
Prometheus exporters usually are, and must not be exposed publicly (put it behind the proxy's allow-list).
GET only, so CSRF doesn't apply; nothing in it names a shopper.

With several gunicorn workers, PROMETHEUS_MULTIPROC_DIR makes every worker write its numbers to files
there and each scrape adds them up (prometheus_client's multiprocess mode), so whichever worker answers,
the totals are the whole server's.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from bot.core.telemetry import DatabaseGauges, SpoolGauges
from bot.web.ext import current_runtime

TOKEN_ENV = "PARCELBOT_METRICS_TOKEN"  # noqa: S105 - the variable's name, not a secret
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

bp = Blueprint("metrics", __name__)


class _ThisProcess(Collector):
    """The process-global registry (our metrics, plus process, platform and GC metrics), re-yielded into the
    scrape's own registry beside the database gauges."""

    def collect(self) -> Iterator:
        yield from REGISTRY.collect()


def init_metrics(app: Flask, *, token: str | None = None) -> None:
    app.config[TOKEN_ENV] = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    app.register_blueprint(bp)


def _authorised() -> bool:
    token = current_app.config.get(TOKEN_ENV)
    if not token:
        return True
    scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode())


def scrape_registry() -> CollectorRegistry:
    """A registry for one scrape: this process's metrics (or every worker's, in multiprocess mode) and the
    gauges read from the database now."""
    runtime = current_runtime()
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseGauges(runtime.sessions, runtime.clock))
    if runtime.spool is not None:
        registry.register(SpoolGauges(runtime.spool))
    return registry


@bp.get("/metrics")
def metrics() -> Response:
    if not _authorised():
        return Response("a bearer token is required\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(scrape_registry()), headers={"Content-Type": content_type,
                                                         "Cache-Control": "no-store"})
