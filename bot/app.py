"""The Flask app factory: wires channels and pages to one Runtime. No business logic lives here."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from bot.config import Settings
from bot.runtime import Runtime, build_runtime

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Flask:
    settings = settings or (runtime.settings if runtime else Settings.from_env())
    runtime = runtime or build_runtime(settings)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    app.extensions["parcelbot"] = runtime

    from channels.rest import bp as rest_bp
    from channels.twilio_sms import bp as sms_bp

    app.register_blueprint(sms_bp)
    app.register_blueprint(rest_bp)

    from bot import demo_page, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(demo_page.bp)

    from bot.api import bp as api_bp
    from bot.api import pod_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pod_bp)
    _register_errors(app)
    return app


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/")) or request.is_json


def _register_errors(app: Flask) -> None:
    """Every error is a short clear answer; a stack trace never leaves the process."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202
        if _wants_json():
            return jsonify(error=exc.description or exc.name), exc.code
        return Response(f"{exc.code} {exc.name}: {exc.description}\n", status=exc.code, mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # noqa: ANN202
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify(error="internal error; it has been logged"), 500
        return Response("500 Internal error; it has been logged.\n", status=500, mimetype="text/plain")


def run_server(app: Flask, host: str, port: int) -> None:
    """The embedded default's HTTP server (threaded werkzeug); production uses gunicorn 'bot.wsgi:app'."""
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)
