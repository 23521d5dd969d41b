"""NUL (U+0000) in a request is refused with a clear 400 before any view reads it.

PostgreSQL text can't hold NUL: a NUL in a slug, an e-mail, a MessageSid or a query argument reached the
driver as psycopg.DataError, a 500 (SQLite stored it). No identifier we serve ever contains one, and RFC 9110
says a field value holding NUL is to be rejected, so one check on every request covers the path, the query,
the headers and the form fields, on every endpoint, including ones added later (create_app registers it first,
before anything that reads the database). JSON bodies are checked where they are parsed (the API's
_json_body, the REST channel's sender). A form field a view cleans itself, a shopper's own words, is marked with
channels.base.free_text and let through: a NUL in an SMS body is dropped (clean_text), not refused.

The 400 goes through the app's error policy (bot/web/errors.py: JSON on /api and /webhooks, text elsewhere)
and, on a Twilio webhook, its blueprint's own handler (plain text, as its other 400s).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from flask import current_app, request
from werkzeug.exceptions import BadRequest

NUL = "\x00"


def _has_nul(pairs: Iterable[tuple[object, object]]) -> str | None:
    """The name of the first pair whose name or value holds NUL (a malformed multipart part may have no name)."""
    for name, value in pairs:
        if any(isinstance(text, str) and NUL in text for text in (name, value)):
            return str(name).replace(NUL, "\\x00")
    return None


def _maybe_nul(texts: Callable[[], list[str]]) -> bool:
    """A quick look first, all in C (a webhook's dozen headers and twenty form fields, pair by pair, were about
    two hundred Python calls a message: docs/performance.md): True when NUL may be in there, or if the texts are
    not all strings; the pair-by-pair look (_has_nul) then says exactly where, as before."""
    try:
        return NUL in "".join(texts())
    except TypeError:
        return True


def _header_texts() -> list[str]:
    # The WSGI keys EnvironHeaders reads headers from (HTTP_*, CONTENT_TYPE, CONTENT_LENGTH), and a few more
    return [key + value for key, value in request.environ.items() if key[:5] == "HTTP_" or key[:8] == "CONTENT_"]


def _form_texts() -> list[str]:
    form = request.form  # a MultiDict: a dict of each name's list of values
    return [*dict.keys(form), *itertools.chain.from_iterable(dict.values(form))]


def nul_in_request() -> str | None:
    """Where the request carries NUL ("the path", "the query argument 'merchant'", ...), or None."""
    if NUL in request.path:
        return "the path"
    if (name := _has_nul(request.args.items(multi=True))) is not None:
        return f"the query argument {name!r}"
    if _maybe_nul(_header_texts) and (name := _has_nul(request.headers.items())) is not None:
        return f"the header {name!r}"
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and _maybe_nul(_form_texts):
        view = current_app.view_functions.get(request.endpoint or "")
        free = getattr(view, "free_text_fields", frozenset())
        fields = ((k, v) for k, v in request.form.items(multi=True) if k not in free)
        if (name := _has_nul(fields)) is not None:
            return f"the form field {name!r}"
    return None


class NulRefused(BadRequest):
    """The 400, with the API's shape of a refusal (`errors` names the field), which the OpenAPI document
    promises for every operation (bot/web/api/routes.py openapi_document)."""

    def __init__(self, where: str) -> None:
        super().__init__(f"{where} must not contain NUL (0x00) characters")
        self.errors = {where: "must not contain NUL (0x00) characters"}


def refuse_nul() -> None:
    """A before_request hook: NUL anywhere we read identifiers from is a 400 naming where."""
    where = nul_in_request()
    if where is not None:
        raise NulRefused(where)
