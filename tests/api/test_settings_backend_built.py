"""A carrier setting that can't be built is refused when saved (422 naming the field), and one already stored
(saved before this check, or written past it) makes the merchant's pages and API answer a clear 503, never a 500.

Guards the review's finding: PUT /api/v1/settings took an unknown type, an http backend without base_url, a
breaker_threshold of "x" or an unset env variable with 200, and from then on the merchant's event feed and every
shopper's tracking page were 500s until someone found the setting."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction

SECRET = "MERCHANT_DEMO__CARRIER_SECRET"
CARRIER = "https://carrier.example/v1"
BROKEN = [
    ({"type": "nonexistent"}, "backend.type"),
    ({"type": "http"}, "backend.base_url"),
    ({"type": "http", "base_url": CARRIER, "secret_env": SECRET, "breaker_threshold": "x"},
     "backend.breaker_threshold"),
    ({"type": "http", "base_url": CARRIER, "secret_env": SECRET, "timeout_seconds": -1}, "backend.timeout_seconds"),
    ({"type": "http", "base_url": CARRIER, "secret_env": SECRET, "retry_attempts": 2.5}, "backend.retry_attempts"),
    ({"type": "http", "base_url": CARRIER, "secret_env": SECRET, "supported_actions": ["teleport"]},
     "backend.supported_actions"),
    ({"type": "http", "base_url": CARRIER, "secret_env": "MERCHANT_DEMO__NOT_SET_ANYWHERE"}, "backend.secret_env"),
    ({"type": "http", "base_url": "ftp://carrier.example/v1", "secret_env": SECRET}, "backend.base_url"),
    ({"type": "shopify", "shop": "demo.myshopify.com", "token_env": SECRET, "allow_cancel": "no"},
     "backend.allow_cancel"),
]
IDS = ["unknown-type", "no-base-url", "bad-threshold", "bad-timeout", "fractional-retries", "unknown-action",
       "unset-env", "not-https", "flag-not-boolean"]


def _json(auth: dict) -> dict:
    return {**auth, "Content-Type": "application/json"}


@pytest.mark.parametrize(("backend", "field"), BROKEN, ids=IDS)
def test_a_backend_that_cannot_be_built_is_refused_naming_the_field(client, demo, auth, backend, field,
                                                                    monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(SECRET, "s3cret-for-hmac")
    saved = client.put("/api/v1/settings", headers=_json(auth), data=json.dumps({"backend": backend}))
    assert saved.status_code == 422, saved.get_json()
    assert field in saved.get_json()["errors"], saved.get_json()
    assert client.get("/api/v1/settings", headers=auth).get_json()["backend"] == {"type": "reference"}


def test_a_backend_that_builds_is_saved(client, demo, auth, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(SECRET, "s3cret-for-hmac")
    backend = {"type": "http", "base_url": CARRIER, "secret_env": SECRET, "retry_attempts": 1,
               "breaker_threshold": 3, "timeout_seconds": 2.5}
    saved = client.put("/api/v1/settings", headers=_json(auth), data=json.dumps({"backend": backend}))
    assert saved.status_code == 200, saved.get_json()


@pytest.mark.parametrize(("backend", "field"), BROKEN[:4] + BROKEN[6:7], ids=IDS[:4] + IDS[6:7])
def test_a_stored_backend_that_cannot_be_built_is_a_503_not_a_500(client, runtime, demo, auth, backend, field,
                                                                  monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(SECRET, "s3cret-for-hmac")
    with transaction(runtime.sessions) as s:  # past the settings check: a row saved before it existed
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**merchant.settings, "backend": backend}
    event = client.post("/api/v1/shipments/PB100000001GB/events", headers=_json(auth), data=json.dumps(
        {"event_id": "evt-bad-backend", "status": "out_for_delivery", "occurred_at": "2026-12-06T10:00:00+00:00"}))
    token = runtime.links.tracking_url("demo", "PB100000001GB").rsplit("/", 1)[1]
    page = client.get(f"/t/{token}")
    assert event.status_code == 503 and "carrier" in event.get_json()["error"], event.get_json()
    assert event.headers["Retry-After"]
    assert page.status_code == 503 and "PB100000001GB" not in page.get_data(as_text=True)
