"""The settings API: GET/PUT /api/v1/settings (the typed settings, JSON) and GET/PUT /api/v1/config (the
whole configuration, YAML or JSON), for the merchant's integration (API key) and the console's page (an
admin's session + CSRF token). A signed-in agent gets 403 (admin_only), and only the caller's merchant exists.

PUT /settings merges by section: each top-level section in the body (brand, support, actions...) replaces
that section whole; sections left out stay as they are. PUT /config replaces everything, as an import does.
Both check every value first and change nothing if one is wrong: 422 {"error", "errors": {"brand.primary_colour":
"..."}}. The rules live in bot/services/merchant_settings.py.
"""

from __future__ import annotations

from flask import Response, g, jsonify, request

from backend import models as m
from backend.db import transaction
from bot.core.settings_schema import MerchantSettings
from bot.services.merchant_settings import (
    SettingsInvalid,
    current,
    export_config,
    export_yaml,
    import_config,
    parse_document,
    update,
)
from bot.web.api.routes import SESSION_ENDPOINTS, _json_body, _runtime, admin_only, bp, merchant_id


def author() -> str:
    """Who made a change, as the history shows it: "admin:ann@shop.example" or "api:pb_12ab"."""
    who = getattr(g, "console_agent", None)
    return f"{who.role}:{who.email}" if who is not None else f"api:{g.api_key.prefix}"


def _invalid(exc: SettingsInvalid, what: str) -> Response:
    response = jsonify({"error": f"invalid {what}: nothing was changed, see errors", "errors": exc.errors})
    response.status_code = 422
    return response


@bp.get("/settings")
def get_settings() -> Response:
    if (denied := admin_only()) is not None:
        return denied
    with _runtime().sessions() as session:
        return jsonify(current(session.get(m.Merchant, merchant_id())))


@bp.get("/settings/schema")
def settings_schema() -> Response:
    """The JSON Schema of the settings document (generated from the one schema, so it never drifts)."""
    if (denied := admin_only()) is not None:
        return denied
    return jsonify(MerchantSettings.model_json_schema())


@bp.put("/settings")
def put_settings() -> Response:
    if (denied := admin_only()) is not None:
        return denied
    data = _json_body()
    try:
        with transaction(_runtime().sessions) as session:
            merchant = session.get(m.Merchant, merchant_id(), with_for_update=True)
            applied = update(session, merchant, data, author=author(), merge=True,
                             wording=_runtime().wording)
            body = {"settings": applied.settings.model_dump(mode="json"), "changed": list(applied.changed),
                    "revision": applied.revision_id, "warnings": list(applied.warnings)}
    except SettingsInvalid as exc:
        return _invalid(exc, "settings")
    return jsonify(body)


@bp.get("/config")
def get_config() -> Response:
    if (denied := admin_only()) is not None:
        return denied
    with _runtime().sessions() as session:
        merchant = session.get(m.Merchant, merchant_id())
        if request.accept_mimetypes.best_match(["application/yaml", "application/json"]) == "application/json":
            return jsonify(export_config(merchant))
        response = Response(export_yaml(merchant), mimetype="application/yaml")
    response.headers["Content-Disposition"] = f'inline; filename="{merchant.slug}-parcelbot.yml"'
    return response


@bp.put("/config")
def put_config() -> Response:
    if (denied := admin_only()) is not None:
        return denied
    try:
        doc = parse_document(request.get_data(cache=False))
        with transaction(_runtime().sessions) as session:
            merchant = session.get(m.Merchant, merchant_id(), with_for_update=True)
            applied = import_config(session, merchant, doc, author=author(), wording=_runtime().wording)
            body = {"changed": list(applied.changed), "revision": applied.revision_id,
                    "warnings": list(applied.warnings)}
    except SettingsInvalid as exc:
        return _invalid(exc, "configuration")
    return jsonify(body)


SESSION_ENDPOINTS.update({f"api.{name}" for name in (
    "get_settings", "settings_schema", "put_settings", "get_config", "put_config")})
