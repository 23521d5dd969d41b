"""The wording API (/api/v1/templates): the merchant's integration (API key) and the merchant console's page
(an admin's session + CSRF token) read and change the words the bot sends.

Only the caller's merchant's overrides exist here; a signed-in agent gets 403 (admin_only). Every rule is in
bot/services/templates.py: this module reads the request, calls it, and answers JSON (422 naming each
problem: {"errors": {"text": "unknown variable {x}"}}).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Response, g, jsonify, request

from backend import models as m
from backend.db import transaction
from bot.core.merchant_config import MerchantConfig
from bot.core.wording import Wording
from bot.services.ingest_schema import Invalid
from bot.services.templates import CHANNELS, TemplateError, Templates
from bot.web.api.routes import SESSION_ENDPOINTS, _json_body, _runtime, admin_only, bp, merchant_id
from bot.web.request import MAX_ID


@lru_cache(maxsize=4)
def _service(wording: Wording) -> Templates:
    return Templates(wording)


def templates_service() -> Templates:
    """The runtime's wording, seen from the admin side (one per runtime: its sample values are computed once)."""
    return _service(_runtime().wording)


def author() -> str:
    """Who made a change, as the history shows it: "admin:ann@shop.example" or "api:pb_12ab"."""
    who = getattr(g, "console_agent", None)
    return f"{who.role}:{who.email}" if who is not None else f"api:{g.api_key.prefix}"


def _config() -> MerchantConfig:
    with _runtime().sessions() as session:
        return MerchantConfig.of(session.get(m.Merchant, merchant_id()))


def _refused(exc: TemplateError) -> Response:
    body: dict[str, Any] = {"error": "invalid request: see errors" if exc.status == 422 else str(exc),
                            "errors": exc.errors}
    if exc.result is not None:
        body["check"] = exc.result.as_json()
    response = jsonify(body)
    response.status_code = exc.status
    return response


def _channel(data: dict[str, Any]) -> str | None:
    channel = data.get("channel")
    if channel is not None and channel not in CHANNELS:
        raise TemplateError({"channel": f"must be one of {', '.join(CHANNELS)} or null (every channel)"})
    return channel


def _text(data: Any) -> tuple[str | None, str]:
    if not isinstance(data, dict):
        raise Invalid({"body": "send a JSON object"})
    text = data.get("text")
    if not isinstance(text, str):
        raise TemplateError({"text": "required: the wording, a string"})
    return _channel(data), text


@bp.get("/templates")
def list_templates() -> Response:
    if (denied := admin_only()) is not None:
        return denied
    config = _config()
    rows = [{"name": t.name, "group": t.group, "overridden": t.overridden, "channels": sorted(t.overrides),
             "text": t.effective(None)} for t in templates_service().overview(config.responses)]
    return jsonify({"templates": rows, "channels": list(CHANNELS)})


@bp.get("/templates/<name>")
def get_template(name: str) -> Response:
    if (denied := admin_only()) is not None:
        return denied
    try:
        info = templates_service().info(name, _config().responses)
    except TemplateError as exc:
        return _refused(exc)
    return jsonify(info.as_json())


@bp.post("/templates/<name>/preview")
def preview_template(name: str) -> Response:
    """The check, filled with sample values, without saving: what the page shows as you type."""
    if (denied := admin_only()) is not None:
        return denied
    try:
        channel, text = _text(_json_body())
        config = _config()
        result = templates_service().check(name, channel, text, responses=config.responses,
                                           brand=config.brand_name, sign_off=config.sign_off)
    except TemplateError as exc:
        return _refused(exc)
    return jsonify(result.as_json())


@bp.put("/templates/<name>")
def put_template(name: str) -> Response:
    if (denied := admin_only()) is not None:
        return denied
    try:
        channel, text = _text(_json_body())
        with transaction(_runtime().sessions) as session:
            revision = templates_service().save(session, merchant_id(), name, channel, text, author=author())
            body = {"revision": revision.as_json()}
        body["template"] = templates_service().info(name, _config().responses).as_json()
    except TemplateError as exc:
        return _refused(exc)
    return jsonify(body)


@bp.delete("/templates/<name>")
def reset_template(name: str) -> Response:
    """Back to our default: ?channel=sms for one variant, ?channel=default for the every-channel text, else all."""
    if (denied := admin_only()) is not None:
        return denied
    raw = request.args.get("channel")
    try:
        channel = _channel({"channel": None if raw in (None, "", "default") else raw})
        with transaction(_runtime().sessions) as session:
            revisions = templates_service().reset(session, merchant_id(), name, channel, author=author(),
                                                  every_channel=raw is None)
            body = {"revisions": [r.as_json() for r in revisions]}
        body["template"] = templates_service().info(name, _config().responses).as_json()
    except TemplateError as exc:
        return _refused(exc)
    return jsonify(body)


@bp.get("/templates/<name>/history")
def template_history(name: str) -> Response:
    if (denied := admin_only()) is not None:
        return denied
    try:
        templates_service().info(name)
    except TemplateError as exc:
        return _refused(exc)
    with _runtime().sessions() as session:
        rows = templates_service().history(session, merchant_id(), name)
    return jsonify({"revisions": [r.as_json() for r in rows]})


@bp.post("/templates/<name>/revert")
def revert_template(name: str) -> Response:
    if (denied := admin_only()) is not None:
        return denied
    data = _json_body()
    revision = data.get("revision") if isinstance(data, dict) else None
    if not isinstance(revision, int) or isinstance(revision, bool) or not 0 < revision <= MAX_ID:
        raise Invalid({"revision": "required: the id of a revision in this template's history"})
    try:
        with transaction(_runtime().sessions) as session:
            row = templates_service().revert(session, merchant_id(), name, revision, author=author())
            body = {"revision": row.as_json()}
        body["template"] = templates_service().info(name, _config().responses).as_json()
    except TemplateError as exc:
        return _refused(exc)
    return jsonify(body)


SESSION_ENDPOINTS.update({f"api.{name}" for name in (
    "list_templates", "get_template", "preview_template", "put_template", "reset_template", "template_history",
    "revert_template")})

