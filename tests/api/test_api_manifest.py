"""GET /api/v1/manifest: the reference carrier's driver list, the only place an access code shows in clear:
behind the merchant's key, per day and route, JSON or CSV, never cached, audited without the code, and
without the codes of delivered parcels."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.secrets_box import SECRET_FIELD, seal
from bot.jobs.purge_secrets import purge_delivered_secrets

KEY = "test-secret-key"
OFD = "PB100000002GB"  # out for delivery today


def _with_code(runtime, tracking: str = OFD, *, note: str | None = None, code: str = "gate: 3579") -> date:  # noqa: ANN001
    """Give the parcel a sealed code (as a confirmed change would); returns its delivery day."""
    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        extra = {"note": note} if note else {}
        row.instructions = {**(row.instructions or {}), "safe_place": "behind the side gate",
                            SECRET_FIELD: seal(KEY, code), **extra}
        return row.eta_start.astimezone(ZoneInfo("Europe/London")).date()


def _manifest(client, auth, **query):  # noqa: ANN001, ANN003, ANN202
    return client.get("/api/v1/manifest", query_string=query, headers=auth)


def test_the_driver_gets_the_code_in_clear_on_the_days_manifest_only(client, auth, runtime, demo):
    day = _with_code(runtime)
    response = _manifest(client, auth, date=day.isoformat())
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    [stop] = [s for s in body["stops"] if s["tracking_number"] == OFD]
    assert stop["access_code"] == "gate: 3579" and stop["safe_place"] == "behind the side gate"
    assert stop["route"] == "M1" and body["routes"] == ["M1"] and stop["postcode"] == "M1 4BT"
    assert all(s["access_code"] is None for s in body["stops"] if s["tracking_number"] != OFD)
    shipment = client.get(f"/api/v1/shipments/{OFD}", headers=auth).get_json()
    assert "3579" not in json.dumps(shipment)  # everywhere else, redacted


def test_one_route_and_another_day(client, auth, runtime, demo):
    day = _with_code(runtime)
    assert [s["tracking_number"] for s in _manifest(client, auth, date=day.isoformat(), route="m1")
            .get_json()["stops"]].count(OFD) == 1
    assert _manifest(client, auth, date=day.isoformat(), route="LS1").get_json()["stops"] == []
    assert OFD not in json.dumps(_manifest(client, auth, date=date(2020, 1, 1).isoformat()).get_json())


def test_csv_for_a_printed_list_never_runs_as_a_formula(client, auth, runtime, demo):
    day = _with_code(runtime, note="=HYPERLINK(\"http://x\")")
    response = _manifest(client, auth, date=day.isoformat(), format="csv", route="M1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="manifest-' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    [row] = [r for r in rows if r["tracking_number"] == OFD]
    assert row["access_code"] == "gate: 3579" and row["note"].startswith("'=")


def test_every_export_is_audited_without_the_code(client, auth, runtime, demo):
    day = _with_code(runtime)
    _manifest(client, auth, date=day.isoformat())
    with runtime.sessions() as s:
        [entry] = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "manifest_export")).all()
    assert entry.actor.startswith("api:") and entry.detail["codes_shown"] == 1
    assert "3579" not in json.dumps(entry.detail)


def test_no_key_bad_day_or_a_remote_carrier(client, auth, runtime, demo, monkeypatch):
    assert client.get("/api/v1/manifest").status_code == 401
    assert _manifest(client, auth, date="tomorrow").status_code == 422
    assert _manifest(client, auth, format="pdf").status_code == 422
    monkeypatch.setenv("MERCHANT_DEMO__CARRIER_SECRET", "x")
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**merchant.settings, "backend": {
            "type": "http", "base_url": "https://carrier.example.test/v1",
            "secret_env": "MERCHANT_DEMO__CARRIER_SECRET"}}
    assert _manifest(client, auth).status_code == 409


def test_a_delivered_parcel_is_off_the_list_and_its_code_purged(client, auth, runtime, demo):
    day = _with_code(runtime)
    with transaction(runtime.sessions) as s:
        s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == OFD)).status = "delivered"
        purge_delivered_secrets(s, runtime.clock())
    assert OFD not in json.dumps(_manifest(client, auth, date=day.isoformat()).get_json())
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == OFD))
        assert SECRET_FIELD not in row.instructions


def test_the_manifest_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/manifest"]
    assert "access_code" in spec["components"]["schemas"]["ManifestStop"]["properties"]
