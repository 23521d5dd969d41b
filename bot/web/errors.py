"""One error policy for every page and API: a short clear answer, JSON or text; never a stack trace.

A browser (it asks for text/html first) gets the same words as a small self-contained page (templates/error.html:
no database, no merchant, nothing from elsewhere), readable on a phone: a review found a shopper opening their
tracking link during a database outage met a bare "503 Briefly unavailable" in plain text."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from backend.protocol import BackendError
from bot.core.outage import RETRY_AFTER_SECONDS, is_store_outage

log = logging.getLogger(__name__)
CARRIER_RETRY_AFTER_SECONDS = 120  # "try again in a few minutes": a carrier's outage outlasts a database blip


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/")) or request.is_json


def _wants_html() -> bool:
    return not _wants_json() and request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"


def _for_people(status: int, title: str, message: str, plain: str) -> Response:
    """A page for a browser, the line of text `plain` for anything else (curl, a monitor, a log)."""
    if _wants_html():
        try:
            page = render_template("error.html", status=status, title=title, message=message)
            return Response(page, status=status, mimetype="text/html")
        except Exception:  # noqa: BLE001 - the page itself broke: the line of text, never a trace
            log.exception("could not render the error page")
    return Response(plain, status=status, mimetype="text/plain")


def _unavailable(text: str, plain: str, retry_after: int) -> Response:
    """503 with Retry-After: something we depend on is away for now (the database, the merchant's carrier)."""
    people = _for_people(503, "Briefly unavailable", plain, f"503 {plain}\n") if not _wants_json() else None
    response = people or jsonify(error=text)
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    return response


def register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int] | Response:
        # The exception's own headers go too: a 405's Allow (RFC 9110), a 401's WWW-Authenticate.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            errors = getattr(exc, "errors", None)  # a refusal that names its fields, as the API's 422s do
            response = jsonify(error=exc.description or exc.name, **({"errors": errors} if errors else {}))
            response.status_code = exc.code or 500
        else:
            response = _for_people(exc.code or 500, exc.name, exc.description or "",
                                   f"{exc.code} {exc.name}: {exc.description}\n")
        response.headers.extend(headers)
        return response

    @app.errorhandler(BackendError)
    def carrier_unavailable(exc: BackendError) -> Response:
        # The merchant's carrier is down, refusing, or its setting can't be built (a row saved before the
        # settings check): a clear "try again" for this request, never a 500. The tracking page has its own.
        log.warning("carrier unavailable on %s %s: %s: %s", request.method, request.path,
                    exc.__class__.__name__, str(exc)[:200])
        return _unavailable("the carrier is unavailable right now; please try again in a few minutes",
                            "The carrier is unavailable right now; please try again in a few minutes.",
                            CARRIER_RETRY_AFTER_SECONDS)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int] | Response:
        if is_store_outage(exc):  # the database is away: say so and when to come back, not "internal error"
            log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.__class__.__name__)
            return _unavailable("the service is briefly unavailable; please try again shortly",
                                "Briefly unavailable; please try again shortly.", RETRY_AFTER_SECONDS)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify(error="internal error; it has been logged"), 500
        return _for_people(500, "Something went wrong", "Something went wrong on our side; it has been logged.",
                           "500 Internal error; it has been logged.\n")
