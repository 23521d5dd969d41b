"""GET /api/v1/outbox and the OpenAPI document that describes every route."""

from __future__ import annotations

import re

from backend.db import transaction
from bot.core.outbox import queue_message
from tests.api.support import event, shipment


def test_notifications_are_readable_through_the_outbox(client, auth):
    body = shipment()
    tracking = body["tracking_number"]
    client.post("/api/v1/shipments", json=body, headers=auth)
    for status, minutes in (("in_transit", 30), ("out_for_delivery", 20), ("delivered", 10)):
        client.post(f"/api/v1/shipments/{tracking}/events", json=event(status, minutes), headers=auth)
    outbox = client.get("/api/v1/outbox?to=%2B447700900111", headers=auth)
    assert outbox.status_code == 200
    messages = outbox.get_json()
    assert len(messages) == 3
    assert {tuple(sorted(msg)) for msg in messages} == {
        ("body", "channel", "created_at", "id", "media_urls", "send_after", "sent_at", "status", "to")}
    assert all(msg["to"] == "+447700900111" and msg["channel"] == "sms" for msg in messages)
    assert all(msg["status"] == "sandbox" for msg in messages)  # no Twilio account: kept here, sent nowhere
    assert "on the way" in messages[0]["body"]
    # The reference carrier's rules don't allow a new day once the parcel is on the van: that isn't offered.
    assert messages[1]["body"].endswith("Reply 1 to leave it with a neighbour, 2 for a safe place.")
    assert "delivered" in messages[2]["body"]
    same = client.get("/api/v1/outbox?to=07700900111", headers=auth).get_json()  # a national number works too
    assert same == messages


def test_the_outbox_shows_only_this_merchants_messages_to_that_number(client, auth, runtime, demo):
    from backend import models as m

    with transaction(runtime.sessions) as session:
        other = m.Merchant(slug="other", name="Other", sms_number="+441614960099", settings={})
        session.add(other)
        session.flush()
        queue_message(session, merchant=other, channel="sms", to="+447700900222", body="from another merchant")
        queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900222", body="ours")
        queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900333", body="not theirs")
    messages = client.get("/api/v1/outbox?to=%2B447700900222", headers=auth).get_json()
    assert [msg["body"] for msg in messages] == ["ours"]


def test_the_outbox_needs_a_valid_number(client, auth):
    assert client.get("/api/v1/outbox", headers=auth).get_json()["errors"] == {
        "to": "required: the recipient's number, e.g. ?to=%2B447700900123"}
    bad = client.get("/api/v1/outbox?to=banana", headers=auth)
    assert bad.status_code == 422 and "to" in bad.get_json()["errors"]


def test_openapi_describes_every_route(app, client):
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    spec = doc.get_json()
    assert spec["openapi"].startswith("3.1")
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in {"api", "pod"}]
    assert len(routes) >= 7
    for rule in routes:
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], f"{path} is not in openapi.yaml"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {path} is not in openapi.yaml"
    verbs = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}  # not path-level "parameters"
    documented = {(p, verb) for p, ops in spec["paths"].items() for verb in ops if verb in verbs}
    served = {(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", r.rule), verb.lower())
              for r in routes for verb in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == served  # nothing documented that isn't there either


def test_openapi_refs_all_resolve(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r"'\$ref': '#/([^']+)'", str(spec)))
    assert refs
    for ref in refs:
        node = spec
        for part in ref.split("/"):
            assert part in node, f"#/{ref} does not resolve"
            node = node[part]
