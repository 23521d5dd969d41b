"""A merchant's settings may name only the environment variables set aside for that merchant
(MERCHANT_<SLUG>__<NAME>, backend/merchant_env.py), and Shopify's shop only a <name>.myshopify.com host.

Guards the review's critical finding: PUT /api/v1/settings with {"backend": {"type": "shopify", "shop":
"collector.attacker.example", "token_env": "PARCELBOT_SECRET_KEY"}} was saved, and the next lookup sent the
installation's secret key to that host as X-Shopify-Access-Token. Refused when saved (422 naming the field, on
every path that saves settings) AND where the secret is read (a row already stored with such a name)."""

from __future__ import annotations

import json

import pytest
import requests
import yaml
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.merchant_env import MerchantEnvError, name_error, prefix_for, read
from bot.core.payments import PaymentsNotConfigured
from bot.jobs.webhooks import _target

INSTALLATION_SECRET = "installation-wide-secret-value"
FOREIGN_NAMES = ["PARCELBOT_SECRET_KEY", "TWILIO_AUTH_TOKEN", "DATABASE_URL", "STRIPE_SECRET_KEY",
                 "MERCHANT_ACME__SHOPIFY_TOKEN", "MERCHANT_DEMO_EU__SHOPIFY_TOKEN", "MERCHANT_DEMO__"]


@pytest.fixture
def recorded(monkeypatch) -> list[tuple[str, dict]]:  # noqa: ANN001
    """Every HTTP request the server makes, answered 404 without the network."""
    sent: list[tuple[str, dict]] = []

    def record(self, request, **kwargs):  # noqa: ANN001, ANN202
        sent.append((request.url, dict(request.headers)))
        response = requests.Response()
        response.status_code, response._content, response.url = 404, b"{}", request.url
        return response

    monkeypatch.setattr(HTTPAdapter, "send", record)
    return sent


def _put(client, auth, body: dict):  # noqa: ANN001, ANN202
    return client.put("/api/v1/settings", headers={**auth, "Content-Type": "application/json"},
                      data=json.dumps(body))


def _tracking_page(client, runtime):  # noqa: ANN001, ANN202
    return client.get("/t/" + runtime.links.tracking_url("demo", "PB100000001GB").rsplit("/", 1)[1])


def _store(runtime, **settings: object) -> None:  # noqa: ANN001
    """Write settings straight to the row, past the settings check: data saved before the rule existed."""
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**merchant.settings, **settings}


def test_a_merchant_cannot_send_a_server_secret_to_a_host_of_its_choosing(client, runtime, demo, auth, recorded,
                                                                          monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PARCELBOT_SECRET_KEY", INSTALLATION_SECRET)  # as in production: the process environment
    saved = _put(client, auth, {"backend": {"type": "shopify", "shop": "collector.attacker.example",
                                            "token_env": "PARCELBOT_SECRET_KEY"}})
    assert saved.status_code == 422 and "backend.shop" in saved.get_json()["errors"]
    _tracking_page(client, runtime)
    assert not [url for url, headers in recorded if INSTALLATION_SECRET in json.dumps(headers)]


@pytest.mark.parametrize("name", FOREIGN_NAMES)
def test_every_secret_setting_refuses_a_name_not_set_aside_for_the_merchant(client, demo, auth, name,
                                                                            monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(name, "some-value")  # set, so only the name's owner is in question
    for body, field in [
        ({"backend": {"type": "shopify", "shop": "demo.myshopify.com", "token_env": name}}, "backend.token_env"),
        ({"backend": {"type": "http", "base_url": "https://carrier.example/v1", "secret_env": name}},
         "backend.secret_env"),
        ({"handoff": {"webhook": {"url": "https://desk.example/hook", "secret_env": name}}},
         "handoff.webhook.secret_env"),
        ({"payments": {"provider": "stripe", "secret_key_env": name}}, "payments.secret_key_env"),
        ({"payments": {"provider": "stripe", "webhook_secret_env": name}}, "payments.webhook_secret_env"),
    ]:
        saved = _put(client, auth, body)
        assert saved.status_code == 422, (field, saved.get_json())
        assert "MERCHANT_DEMO__" in saved.get_json()["errors"][field]


def test_names_set_aside_for_the_merchant_are_accepted(client, demo, auth, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MERCHANT_DEMO__SHOPIFY_TOKEN", "shpat_x")
    saved = _put(client, auth, {
        "backend": {"type": "shopify", "shop": "demo-shop.myshopify.com", "token_env": "MERCHANT_DEMO__SHOPIFY_TOKEN"},
        "handoff": {"webhook": {"url": "https://desk.example/hook", "secret_env": "MERCHANT_DEMO__HOOK_SECRET"}},
        "payments": {"provider": "stripe", "secret_key_env": "MERCHANT_DEMO__STRIPE_KEY"}})
    assert saved.status_code == 200, saved.get_json()


@pytest.mark.parametrize("shop", ["collector.attacker.example", "evil.com/x.myshopify.com", "a.myshopify.com.evil",
                                  "myshopify.com", "a.myshopify.com:8443", "user@a.myshopify.com"])
def test_shopify_shop_must_be_a_myshopify_host(client, demo, auth, shop, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MERCHANT_DEMO__SHOPIFY_TOKEN", "shpat_x")
    saved = _put(client, auth, {"backend": {"type": "shopify", "shop": shop,
                                            "token_env": "MERCHANT_DEMO__SHOPIFY_TOKEN"}})
    assert saved.status_code == 422 and "myshopify.com" in saved.get_json()["errors"]["backend.shop"]


@pytest.mark.parametrize("base_url", ["https://127.0.0.1/v1", "https://169.254.169.254/latest", "https://localhost/v1",
                                      "https://[::1]/v1", "https://10.0.0.7/v1", "https://user:pw@carrier.example/v1"])
def test_the_http_carrier_must_be_a_public_address(client, demo, auth, base_url, monkeypatch) -> None:  # noqa: ANN001
    """SSRF: a merchant's setting must not point the server's requests at its own network (the operator can allow
    private addresses with PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS=1, e.g. a carrier on the same LAN)."""
    monkeypatch.setenv("MERCHANT_DEMO__CARRIER_SECRET", "x")
    body = {"backend": {"type": "http", "base_url": base_url, "secret_env": "MERCHANT_DEMO__CARRIER_SECRET"}}
    saved = _put(client, auth, body)
    assert saved.status_code == 422 and "backend.base_url" in saved.get_json()["errors"]
    if "@" not in base_url:
        monkeypatch.setenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", "1")
        assert _put(client, auth, body).status_code == 200


def test_the_whole_configuration_import_applies_the_same_rule(client, demo, auth) -> None:  # noqa: ANN001
    exported = client.get("/api/v1/config", headers={**auth, "Accept": "application/json"}).get_json()
    exported["settings"]["handoff"]["webhook"] = {"url": "https://desk.example/hook",
                                                  "secret_env": "PARCELBOT_SECRET_KEY"}
    imported = client.put("/api/v1/config", headers={**auth, "Content-Type": "application/yaml"},
                          data=yaml.safe_dump(exported))
    assert imported.status_code == 422
    assert "settings.handoff.webhook.secret_env" in imported.get_json()["errors"]


def test_a_stored_foreign_name_is_never_read(client, runtime, demo, recorded, monkeypatch) -> None:  # noqa: ANN001
    """Defence in depth: a row written before the rule (or past the schema) leaks nothing where it is read."""
    monkeypatch.setenv("PARCELBOT_SECRET_KEY", INSTALLATION_SECRET)
    monkeypatch.setenv("STRIPE_SECRET_KEY", INSTALLATION_SECRET)
    _store(runtime, backend={"type": "shopify", "shop": "demo.myshopify.com", "token_env": "PARCELBOT_SECRET_KEY"},
           handoff_webhook={"url": "https://desk.example/hook", "secret_env": "PARCELBOT_SECRET_KEY"},
           payments={"provider": "stripe", "secret_key_env": "STRIPE_SECRET_KEY"})
    page = _tracking_page(client, runtime)
    with runtime.sessions() as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        try:
            runtime.services.payments.provider_for(merchant)
            provider_refused = False
        except PaymentsNotConfigured:
            provider_refused = True
        held = {"carrier (tracking page 503, nothing sent)": page.status_code == 503 and not recorded,
                "handoff webhook not sent": _target(merchant) is None,
                "no paid options": runtime.services.payments.ready(merchant) is False,
                "stripe provider refused": provider_refused}
    assert all(held.values()), held


def test_a_name_belongs_to_one_merchant_only() -> None:
    assert prefix_for("acme-eu") == "MERCHANT_ACME_EU__"
    assert name_error("acme", "MERCHANT_ACME__SHOPIFY_TOKEN") is None
    for foreign in ["MERCHANT_ACME_EU__TOKEN", "MERCHANT_ACME__EU__TOKEN", "MERCHANT_ACME___TOKEN",
                    "MERCHANT_ACME__", "MERCHANT_ACME__TOKEN_", "PARCELBOT_SECRET_KEY", "merchant_acme__token"]:
        assert name_error("acme", foreign), foreign
    assert name_error("acme--eu", "MERCHANT_ACME__EU__TOKEN") is None  # the slug with "--" owns it, not "acme"
    with pytest.raises(MerchantEnvError, match="not set"):
        read({}, "acme", "MERCHANT_ACME__TOKEN")
    with pytest.raises(MerchantEnvError) as refused:
        read({"PARCELBOT_SECRET_KEY": INSTALLATION_SECRET}, "acme", "PARCELBOT_SECRET_KEY")
    assert INSTALLATION_SECRET not in str(refused.value)
