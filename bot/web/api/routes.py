"""The /api/v1 routes: authenticate, validate, write in one transaction, answer JSON (errors too).

Each write is one unit of work (bot/core/uow.py): the notifications it queued are handed to the
"send_outbox" job only after it commits, so the sender always finds them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, g, jsonify, request
from flask import session as signed_in_session
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from backend import models as m
from backend.db import transaction
from backend.resilience import answer_within
from backend.types import ActionKind
from bot.core import notifications
from bot.core.apikeys import authenticate
from bot.core.phone import InvalidPhoneNumber, to_e164
from bot.core.uow import UnitOfWork
from bot.runtime import Runtime
from bot.services import ingest
from bot.services.ingest_schema import Invalid, parse_event, parse_pod_form, parse_shipment
from bot.web.api import views
from bot.web.api.photos import MAX_BYTES, MAX_PHOTOS, BadPhoto, check_photo, storage
from bot.web.ext import current_runtime

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).with_name("openapi.yaml")
PUBLIC_ENDPOINTS = {"api.openapi"}
# Endpoints a person signed in to the console may call with their session instead of a key (the console's
# page uses them); a state-changing call must then carry the page's CSRF token (bot/web/console).
SESSION_ENDPOINTS: set[str] = set()
# How to find that person: the console adds its sign-in check here when it is mounted (bot/web/console).
SESSION_AUTH: list[Any] = []
MAX_OUTBOX = 500
# No database stores NUL characters or unpaired surrogates (both valid in JSON and in URLs): refuse them.
_UNSTORABLE = re.compile(r"[\u0000\ud800-\udfff]")
UNSTORABLE = "text must not contain NUL characters or unpaired surrogates"


@dataclass(frozen=True)
class KeyInfo:
    prefix: str
    merchant_id: int


def _runtime() -> Runtime:
    return current_runtime()


def _now() -> datetime:
    """The request's time: the runtime's clock (one clock for the engine, the jobs and the API)."""
    return _runtime().clock()


def _error(status: int, message: str, errors: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if errors is None and status == 422:  # the spec promises every 422 names what is wrong
        errors = {"body": message}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


@bp.errorhandler(Invalid)
def invalid(exc: Invalid) -> Response:
    message = "conflict" if exc.status == 409 else "invalid request: see errors"
    return _error(exc.status, message, exc.errors)


def api_caller() -> str:
    """Whom an API call counts against for the rate limit (bot/web/limits.py): the key it presents, named by a
    hash of the whole key (so calls that borrow a real key's public prefix count apart and can't use up its
    allowance); a signed-in console page's call, its person (a support desk behind one address is many people);
    anything else, its address. No database here: the limiter answers a 429 with no work behind it, and a database
    that stops answering can't hold or break the limiter (it is checked by require_key, right after)."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return "api-key:" + hashlib.sha256(key.strip().encode()).hexdigest()[:32]
    user = signed_in_session.get("_user_id")
    return f"api-user:{user}" if user else f"api-addr:{request.remote_addr or '-'}"


@bp.before_request
def require_key() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if not key.strip() and request.endpoint in SESSION_ENDPOINTS:
        for signed_in in SESSION_AUTH:
            agent = signed_in()
            if agent is not None:
                g.console_agent = agent
                return None
    if scheme.lower() != "bearer" or not key.strip():
        response = _error(401, "send your API key as: Authorization: Bearer <key>")
    else:
        with _runtime().sessions() as session:
            row = authenticate(session, key.strip())
            info = KeyInfo(row.prefix, row.merchant_id) if row is not None else None
        if info is not None:
            g.api_key = info
            return None
        response = _error(401, "invalid or revoked API key")
    counted = current_app.extensions.get("parcelbot_refusals")  # bot/web/limits.py Refusals
    wait = counted.refused(request.remote_addr or "-") if counted is not None else None
    if wait is not None:
        return counted.holding(_error(429, "too many refused API keys from your address: wait, and check the key "
                                           "you send"), wait)
    response.headers["WWW-Authenticate"] = 'Bearer realm="parcelbot"'
    return response


def admin_only() -> Response | None:
    """For the merchant's own configuration (wording, settings, import/export): an API key (the merchant's
    integration) or a signed-in admin may; a signed-in agent gets 403. Call first in such a view."""
    agent = getattr(g, "console_agent", None)
    if agent is not None and agent.role != "admin":
        return _error(403, "only an admin of this merchant can change its configuration")
    return None


def merchant_id() -> int:
    """The merchant this call acts for: the API key's, or the signed-in person's."""
    agent = getattr(g, "console_agent", None)
    return agent.merchant_id if agent is not None else g.api_key.merchant_id


def _caller(session: Any, uow: UnitOfWork | None = None,
            remote_options: dict[str, frozenset[ActionKind]] | None = None) -> ingest.Caller:
    merchant = session.get(m.Merchant, g.api_key.merchant_id)
    rt = _runtime()
    return ingest.Caller(merchant, f"api:{g.api_key.prefix}", rt.links, _now(), rt.wording, rt.backends,
                         rt.settings.default_timezone, uow.publish if uow else (lambda _event: None), remote_options)


OPTIONS_WAIT_FOR_CARRIER = 5.0  # then the event is stored and every option offered, as when the carrier errs


def _remote_options(tracking: str) -> dict[str, frozenset[ActionKind]] | None:
    """What a remote carrier offers for this parcel now, asked before any transaction opens (a notification's
    one-tap options); None for our own carrier (asked inside), or if the carrier can't say (all are offered)."""
    rt = _runtime()
    with rt.sessions() as session:
        merchant = session.get(m.Merchant, g.api_key.merchant_id)
        backend = rt.backends(session, merchant, _now())
        session.commit()  # nothing stays open across the network call
        if not getattr(backend, "is_remote", True):
            return None
        try:  # a hung carrier holds the merchant's event post (and a web thread) seconds, not 3 x 10 s
            with answer_within(OPTIONS_WAIT_FOR_CARRIER):
                offered = frozenset(o.kind for o in backend.available_actions(tracking.upper()) if o.available)
        except Exception:  # a slow or broken carrier must not stop the event itself
            log.warning("couldn't ask the carrier for %s's options", tracking, exc_info=True)
            return None
    return {tracking.upper(): offered}


def _lock_in_turn_order(session: Any, caller: ingest.Caller, tracking: str) -> m.Shipment:
    """The recipient's conversation first, then the parcel: the order a shopper's turn locks them in."""
    ingest.lock_recipient_conversation(session, caller.merchant, _shipment_or_404(session, caller, tracking))
    return _shipment_or_404(session, caller, tracking, lock=True)


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        return not _UNSTORABLE.search(value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def _json_body() -> Any:
    try:
        data = request.get_json() if request.is_json else None
    except BadRequest as exc:  # not JSON, or nested too deep (bot/web/request.py): say which
        raise Invalid({"body": f"send a JSON object ({exc.description})"}, status=400) from exc
    if data is None:
        raise Invalid({"body": "send a JSON object with Content-Type: application/json"}, status=400)
    if not _storable(data):
        raise Invalid({"body": UNSTORABLE})
    return data


def _shipment_or_404(session: Any, caller: ingest.Caller, tracking: str, *, lock: bool = False) -> m.Shipment:
    row = ingest.find_shipment(session, caller.merchant, tracking, lock=lock) if _storable(tracking) else None
    if row is None:
        raise NotFound(tracking)
    return row


class NotFound(LookupError):
    pass


@bp.errorhandler(NotFound)
def not_found(exc: NotFound) -> Response:
    return _error(404, f"no shipment {exc.args[0]!r} for this merchant")


# -- routes -----------------------------------------------------------------------------------------------
@bp.post("/shipments")
def put_shipment() -> Response:
    data = _json_body()
    with transaction(_runtime().sessions) as session:
        caller = _caller(session)
        shipment = parse_shipment(data, caller.now)
        row, created = ingest.upsert_shipment(session, caller, shipment)
        body = views.shipment_json(session, row, caller.links, merchant_slug=caller.merchant.slug,
                                   say=caller.wording.voice(caller.merchant))
    return _json(body, 201 if created else 200)


@bp.get("/shipments/<tracking>")
def get_shipment(tracking: str) -> Response:
    with _runtime().sessions() as session:
        caller = _caller(session)
        row = _shipment_or_404(session, caller, tracking)
        return _json(views.shipment_json(session, row, caller.links, merchant_slug=caller.merchant.slug,
                                         say=caller.wording.voice(caller.merchant)))


@bp.post("/shipments/<tracking>/events")
def post_event(tracking: str) -> Response:
    data = _json_body()
    offers = isinstance(data, dict) and notifications.offers_options(str(data.get("status") or ""))
    options = _remote_options(tracking) if offers and _storable(tracking) else None
    with _runtime().uow() as uow:
        session = uow.session
        caller = _caller(session, uow, options)
        row = _lock_in_turn_order(session, caller, tracking)
        event = parse_event(data, caller.now)
        outcome = ingest.record_event(session, caller, row, event)
        if outcome.notification is not None:
            uow.enqueue("send_outbox")
        body = {
            "duplicate": outcome.duplicate,
            "status_changed": outcome.status_changed,
            "notification_queued": outcome.notification is not None,
            "event": views.event_json(outcome.event),
            "shipment": {"tracking_number": row.tracking_number, "status": row.status,
                         "status_at": views.iso(row.status_at), "live": dict(row.live or {})},
        }
    return _json(body, 200 if outcome.duplicate else 201)


@bp.post("/shipments/<tracking>/proof-of-delivery")
def post_pod(tracking: str) -> Response:
    with _runtime().sessions() as session:
        _shipment_or_404(session, _caller(session), tracking)
    files = request.files.getlist("photos")
    errors: dict[str, str] = {}
    if not files:
        errors["photos"] = "send one or more image files in the multipart field 'photos'"
    elif len(files) > MAX_PHOTOS:
        errors["photos"] = f"at most {MAX_PHOTOS} photos at a time"
    checked: list[tuple[bytes, str]] = []
    for i, upload in enumerate(files[:MAX_PHOTOS]):
        data = upload.read(MAX_BYTES + 1)  # one byte past the limit is enough to know it's too big
        try:
            checked.append((data, check_photo(data)))
        except BadPhoto as exc:
            errors[f"photos[{i}]"] = str(exc)
    if not _storable(request.form.to_dict(flat=False)):
        errors["form"] = UNSTORABLE
    try:
        fields = parse_pod_form(request.form, _now())
    except Invalid as exc:
        errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    with _runtime().uow() as uow:
        session = uow.session
        keys = [storage().put(data, ctype, session=session) for data, ctype in checked]  # committed with the record
        caller = _caller(session, uow)
        row = _lock_in_turn_order(session, caller, tracking)
        _, created, notification = ingest.record_pod(session, caller, row, fields, keys)
        if notification is not None:
            uow.enqueue("send_outbox")
        body = {"tracking_number": row.tracking_number,
                "proof_of_delivery": views.pod_json(session, row, caller.links, merchant_slug=caller.merchant.slug)}
    return _json(body, 201 if created else 200)


@bp.get("/outbox")
def outbox() -> Response:
    raw = request.args.get("to", "")
    if not raw.strip():
        raise Invalid({"to": "required: the recipient's number, e.g. ?to=%2B447700900123"})
    try:
        to = to_e164(raw)
    except InvalidPhoneNumber:
        raise Invalid({"to": "not a valid phone number; use E.164 (the + encoded as %2B)"}) from None
    try:
        limit = min(max(int(request.args.get("limit", "100")), 1), MAX_OUTBOX)
    except ValueError:
        raise Invalid({"limit": "must be a whole number"}) from None
    with _runtime().sessions() as session:
        rows = session.scalars(
            select(m.Message)
            .where(m.Message.merchant_id == g.api_key.merchant_id, m.Message.direction == "out",
                   m.Message.recipient == to)
            .order_by(m.Message.id.desc())
            .limit(limit)
        ).all()
        hide = _runtime().settings.twilio_sending_enabled
        return _json([views.outbox_json(r, hide_codes=hide) for r in reversed(rows)])


@bp.get("/openapi.json")
def openapi() -> Response:
    return _json(openapi_document())


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The document, with the 400 every operation can answer: a request carrying NUL in its path, a query
    argument, a header or a form field is refused before any view runs (bot/web/nul_guard.py), so each operation
    documents it, the ones added later too."""
    document = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in ("get", "put", "post", "patch", "delete") and isinstance(operation, dict):
                operation.setdefault("responses", {}).setdefault("400", {"$ref": "#/components/responses/BadRequest"})
    return document


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
