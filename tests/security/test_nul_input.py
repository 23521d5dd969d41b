"""A NUL (0x00) in a request is a clear 400, never a 500 (an independent probe's finding).

PostgreSQL text can't hold NUL: a slug, an e-mail, a MessageSid or a query argument carrying one reached the driver
as psycopg.DataError, a 500 (SQLite stored it). One guard on every request (bot/web/nul_guard.py) refuses NUL in
the path, the query, the headers and the form fields; a shopper's own words (an SMS body, the REST channel's
message) are cleaned instead, as before. These run on both databases and expect the same 4xx on each.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend import models as m
from tests.api.support import api_key, auth  # noqa: F401 - fixtures
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import token_in
from tests.helpers import new_sid, sms_form, twilio_post

NUL = "\x00"


def _messages(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(m.Message)) or 0


@pytest.mark.parametrize(("method", "path", "kwargs", "where"), [
    ("POST", "/webhooks/rest/webhook?merchant=%00", {"json": {"sender": "a", "message": "hi"}}, "'merchant'"),
    ("POST", "/webhooks/stripe/%00", {"data": b"{}"}, "path"),
    ("GET", "/api/v1/shipments/PB1%00", {}, "path"),
    ("GET", "/api/v1/manifest?route=r%00", {}, "'route'"),
    ("GET", "/api/v1/outbox?to=%2B447700900123&limit=%00", {}, "'limit'"),
    ("GET", "/api/v1/outbox?to=%2B447700900123", {"headers": {"X-Trace": "a\x00b"}}, "'X-Trace'"),
], ids=["rest-merchant", "stripe-slug", "api-path", "api-query", "api-query-limit", "header"])
def test_nul_in_an_identifier_is_a_clear_json_400(client, runtime, auth, method, path, kwargs, where):  # noqa: F811
    response = client.open(path, method=method, **{**kwargs, "headers": {**auth, **kwargs.get("headers", {})}})
    assert response.status_code == 400, response.data
    error = response.get_json()["error"]
    assert "NUL" in error and where in error
    assert _messages(runtime) == 0


def test_nul_in_a_console_sign_in_is_a_clear_400(client, demo):
    token = token_in(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": "a\x00b@x.com", "password": "x", "csrf_token": token})
    assert response.status_code == 400
    assert "'email' must not contain NUL" in response.get_data(as_text=True)
    assert client.get("/console/login?next=/console%00").status_code == 400


@pytest.mark.parametrize("field", ["To", "MessageSid", "From"])
def test_nul_in_a_twilio_identifier_is_a_plain_400(client, runtime, demo, field):
    form = sms_form("where is my parcel")
    form[field] = form[field][:5] + NUL + form[field][5:]
    response = twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert f"'{field}' must not contain NUL" in response.get_data(as_text=True)
    assert _messages(runtime) == 0


def test_nul_in_a_delivery_receipt_is_a_plain_400(client, demo):
    form = {"MessageSid": "SM" + NUL + "1", "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    response = twilio_post(client, "/twilio/status", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_nul_in_what_the_shopper_wrote_is_dropped_and_the_message_answered(client, runtime, demo):
    """The body is the shopper's own words: cleaned (clean_text), never refused, on SMS and on the REST channel."""
    sid = new_sid()
    sms = twilio_post(client, "/twilio/sms", sms_form("where is\x00 my parcel", sid=sid), token=TWILIO_TOKEN,
                      public_url=PUBLIC_URL)
    assert sms.status_code == 200 and "PB100000001GB" in sms.get_data(as_text=True)
    with runtime.sessions() as session:
        assert session.scalar(select(m.Message.body).where(m.Message.channel_message_id == sid)) == \
            "where is my parcel"
    rest = client.post("/webhooks/rest/webhook?merchant=demo", json={"sender": "s1", "message": "hel\u0000lo"})
    assert rest.status_code == 200 and rest.get_json()[0]["text"]
    refused = client.post("/webhooks/rest/webhook?merchant=demo", json={"sender": "s\u00001", "message": "hi"})
    assert refused.status_code == 422  # the sender is an address: refused, as before


def test_signed_links_carrying_nul_are_not_found(client, runtime, demo):
    """Only the signing key can make these; they name nothing stored, so they are refused like a bad link."""
    assert client.get("/t/" + runtime.links.sign("track", {"m": "demo\x00", "t": "PB100000001GB"})).status_code == 404
    photo = runtime.links.sign("photo", {"m": "demo", "t": "PB1\x00", "k": "demo/porch.png"})
    assert client.get("/pod/" + photo).status_code == 404
    for payment in ("\u00b2", "9" * 30):  # a digit to isdigit but not to int; past any id: never an overflow
        assert client.get("/pay/" + runtime.links.sign("pay", {"p": payment})).status_code == 404


def _json_routes(app) -> list[tuple[str, str]]:  # noqa: ANN001
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1", "/webhooks/rest")):
            for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
                path = rule.rule
                for arg in rule.arguments:
                    path = path.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "PB100000001GB")
                out.append((method, path))
    return out


def test_nul_in_json_strings_is_never_a_500(app, client, auth, demo):  # noqa: F811
    """JSON bodies are checked where they are parsed (the API refuses NUL with a 422, the REST channel cleans the
    message): a "\\u0000" in a key or a value on any JSON endpoint is a 4xx or an answer, never a 500."""
    routes = _json_routes(app)
    assert len(routes) >= 5
    for body in ({"a\u0000": 1}, {"text": "\u0000", "sender": "s", "message": "\u0000", "tracking_number": "A\u0000",
                                   "status": "\u0000", "event_id": "\u0000", "brand": {"name": "\u0000"}}):
        for method, path in routes:
            response = client.open(path, method=method, json=body, headers=auth)
            assert response.status_code < 500, (method, path, response.status_code, response.data)
