"""GET /api/v1/manifest: the reference carrier's driver list for a day (and a route), JSON or CSV.

It is the only place an access code a shopper gave is shown in clear: a driver needs it at the door, and
nobody else does (GET /shipments redacts it, replies never hold it). So the export needs the merchant's API
key, is never cached, is audited (who, which day and route, how many codes were shown; never a code), and
holds no code of a delivered parcel (bot/jobs/purge_secrets.py purges them). A merchant on a remote carrier
gets a 409: that carrier's own manifest carries the codes it received (backend/http_adapter.py).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, g, request

from backend import models as m
from backend.reference import ManifestStop, driver_manifest
from bot.core import audit
from bot.core.calendar_bounds import parse_day
from bot.core.secrets_box import code_box
from bot.services.ingest_schema import Invalid
from bot.web.api.routes import _error, _json, _now, _runtime, bp

FIELDS = [f for f in ManifestStop.__dataclass_fields__]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting with these


def _day(merchant: m.Merchant) -> date:
    raw = request.args.get("date", "").strip()
    if not raw:
        return _now().astimezone(ZoneInfo(merchant.timezone or "Europe/London")).date()
    try:
        return parse_day(raw)  # not 9999-12-31: the day's end in UTC would overflow (a 500)
    except ValueError as exc:
        raise Invalid({"date": str(exc)}) from None


def _fmt(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(_fmt(value))
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(stops: list[ManifestStop]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for stop in stops:
        writer.writerow([_csv_cell(getattr(stop, name)) for name in FIELDS])
    return out.getvalue()


@bp.get("/manifest")
def manifest() -> Response:
    rt = _runtime()
    fmt = (request.args.get("format") or ("csv" if "text/csv" in request.headers.get("Accept", "") else "json"))
    if fmt not in ("json", "csv"):
        raise Invalid({"format": "json or csv"})
    route = (request.args.get("route") or "").strip() or None
    with rt.uow() as uow:
        session = uow.session
        merchant = session.get(m.Merchant, g.api_key.merchant_id)
        if getattr(rt.backends(session, merchant, _now()), "is_remote", True):
            return _error(409, "your parcels are delivered by a remote carrier: its own manifest has the codes")
        day = _day(merchant)
        stops = driver_manifest(session, merchant, day, route=route, code_box=code_box(rt.settings.secret_key))
        audit.record(session, at=_now(), merchant_id=merchant.id, actor=f"api:{g.api_key.prefix}",
                     action="manifest_export", result="shown", channel="api", day=day.isoformat(), route=route,
                     stops=len(stops), codes_shown=sum(1 for s in stops if s.access_code))
    if fmt == "csv":
        response = Response(_csv(stops), mimetype="text/csv")
        name = f"manifest-{day.isoformat()}{'-' + re.sub(r'[^A-Za-z0-9]', '', route) if route else ''}.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        body = {"date": day.isoformat(), "route": route, "routes": sorted({s.route for s in stops}),
                "stops": [{k: _fmt(v) for k, v in asdict(s).items()} for s in stops]}
        response = _json(body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
