"""One error policy for every page and API: a short clear answer, JSON or text; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/")) or request.is_json


def register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int] | Response:
        if _wants_json():
            return jsonify(error=exc.description or exc.name), exc.code or 500
        return Response(f"{exc.code} {exc.name}: {exc.description}\n", status=exc.code, mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int] | Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify(error="internal error; it has been logged"), 500
        return Response("500 Internal error; it has been logged.\n", status=500, mimetype="text/plain")
