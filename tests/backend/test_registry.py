"""backend_for picks the merchant's backend from settings; secrets come only from the environment."""

from __future__ import annotations

import pytest
import responses
from backend_testkit import NOW
from sqlalchemy import select

from backend import models as m
from backend.http_adapter import HttpBackend
from backend.protocol import Backend, BackendError, BackendUnavailable
from backend.reference import ReferenceBackend
from backend.registry import BackendConfigError, backend_for, breaker_store, register
from backend.resilience import DEFAULT_STORE, RedisBreakerStore
from backend.shopify import ShopifyBackend
from backend.types import ActionKind, ChangeContext, DeliveryAction

CTX = ChangeContext(actor="+447700900123", channel="sms", verified_by="otp_sms")


def test_reference_is_the_default(session, merchant):
    backend = backend_for(session, merchant, now=NOW)
    assert isinstance(backend, ReferenceBackend) and isinstance(backend, Backend)
    assert backend._now == NOW


def test_http_backend_reads_its_secret_from_the_named_variable(session, merchant):
    merchant.settings = {"backend": {"type": "http", "base_url": "https://carrier.example.test/v1",
                                     "secret_env": "MERCHANT_ACME__CARRIER_SECRET", "name": "acme-carrier",
                                     "supported_actions": ["add_delivery_note"]}}
    backend = backend_for(session, merchant, env={"MERCHANT_ACME__CARRIER_SECRET": "from-env"})
    assert isinstance(backend, HttpBackend) and isinstance(backend, Backend)
    assert backend.secret == "from-env" and backend.name == "acme-carrier"
    assert backend.supported_actions == frozenset({ActionKind.ADD_DELIVERY_NOTE})


def test_missing_environment_variable_is_named_in_the_error(session, merchant):
    merchant.settings = {"backend": {"type": "http", "base_url": "https://c.example.test",
                                     "secret_env": "MERCHANT_ACME__NOPE_X"}}
    with pytest.raises(BackendConfigError, match="MERCHANT_ACME__NOPE_X is not set"):
        backend_for(session, merchant, env={})


def test_secrets_in_merchant_settings_are_refused(session, merchant):
    merchant.settings = {"backend": {"type": "shopify", "shop": "a.myshopify.com", "token": "shpat_oops"}}
    with pytest.raises(BackendConfigError, match="must not hold secrets") as err:
        backend_for(session, merchant, env={})
    assert "shpat_oops" not in str(err.value)


def test_plain_http_carriers_are_refused(session, merchant):
    merchant.settings = {"backend": {"type": "http", "base_url": "http://c.example.test",
                                     "secret_env": "MERCHANT_ACME__S"}}
    with pytest.raises(BackendConfigError, match="https"):
        backend_for(session, merchant, env={"MERCHANT_ACME__S": "x"})


def test_shopify_backend_from_settings(session, merchant):
    merchant.settings = {"backend": {"type": "shopify", "shop": "acme.myshopify.com",
                                     "token_env": "MERCHANT_ACME__SHOPIFY_TOKEN"}}
    backend = backend_for(session, merchant, env={"MERCHANT_ACME__SHOPIFY_TOKEN": "shpat_x"})
    assert isinstance(backend, ShopifyBackend) and isinstance(backend, Backend)
    assert backend.client.base_url == "https://acme.myshopify.com/admin/api/2024-10"


def test_unknown_type_is_an_error(session, merchant):
    merchant.settings = {"backend": {"type": "carrier-pigeon"}}
    with pytest.raises(BackendConfigError, match="unknown backend type 'carrier-pigeon'"):
        backend_for(session, merchant)


def test_a_new_backend_type_can_be_registered(session, merchant):
    made = []

    def factory(session, merchant, config, now, env):
        made.append(config["flavour"])
        return ReferenceBackend(session, merchant, now=now)

    register("test-custom", factory)
    merchant.settings = {"backend": {"type": "test-custom", "flavour": "vanilla"}}
    assert isinstance(backend_for(session, merchant), ReferenceBackend) and made == ["vanilla"]


def test_breaker_state_goes_to_redis_when_configured():
    assert breaker_store({}) is DEFAULT_STORE
    assert isinstance(breaker_store({"PARCELBOT_BREAKER_REDIS_URL": "redis://127.0.0.1:6379/0"}), RedisBreakerStore)


@responses.activate
def test_http_backend_from_registry_keeps_writes_when_down(session, merchant):
    merchant.settings = {"backend": {"type": "http", "base_url": "https://down.example.test",
                                     "secret_env": "MERCHANT_ACME__S", "retry_attempts": 1}}
    responses.post("https://down.example.test/shipments/PB1/actions", status=503)
    backend = backend_for(session, merchant, now=NOW, env={"MERCHANT_ACME__S": "x"})
    with pytest.raises(BackendUnavailable):
        backend.apply_action("PB1", DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": "hi"}),
                             idempotency_key="reg-1", context=CTX)
    assert session.scalar(select(m.PendingRequest.idempotency_key)) == "reg-1"


def test_the_shopify_token_goes_only_to_a_myshopify_host(session, merchant):
    """A stored shop on any other host is refused before any request (the token would be sent to it), by the
    registry and by the adapter itself."""
    merchant.settings = {"backend": {"type": "shopify", "shop": "collector.attacker.example",
                                     "token_env": "MERCHANT_ACME__SHOPIFY_TOKEN"}}
    with pytest.raises(BackendConfigError, match="myshopify.com") as refused:
        backend_for(session, merchant, env={"MERCHANT_ACME__SHOPIFY_TOKEN": "shpat_x"})
    assert refused.value.field == "shop"
    with pytest.raises(BackendError, match="myshopify.com"):
        ShopifyBackend("collector.attacker.example", "shpat_x")


def test_a_variable_not_set_aside_for_the_merchant_is_never_read(session, merchant):
    merchant.settings = {"backend": {"type": "http", "base_url": "https://carrier.example.test/v1",
                                     "secret_env": "PARCELBOT_SECRET_KEY"}}
    with pytest.raises(BackendConfigError, match="MERCHANT_ACME__") as refused:
        backend_for(session, merchant, env={"PARCELBOT_SECRET_KEY": "installation-secret"})
    assert refused.value.field == "secret_env" and "installation-secret" not in str(refused.value)
