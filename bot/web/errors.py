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
        # The exception's own headers go too: a 405's Allow (RFC 9110), a 401's WWW-Authenticate.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            response = jsonify(error=exc.description or exc.name)
            response.status_code = exc.code or 500
        else:
            response = Response(f"{exc.code} {exc.name}: {exc.description}\n", status=exc.code, mimetype="text/plain")
        response.headers.extend(headers)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int] | Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify(error="internal error; it has been logged"), 500
        return Response("500 Internal error; it has been logged.\n", status=500, mimetype="text/plain")
