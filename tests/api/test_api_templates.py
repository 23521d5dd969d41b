"""The wording API: a merchant's text, saved through PUT /api/v1/templates/{name}, is what the next reply says
on SMS (a signed Twilio webhook) and on the REST channel; history, revert and reset; an agent's session gets
403; another merchant's key neither sees nor changes these overrides; a bad text is a 422 naming the problem."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import make_user, page_token, sign_in
from tests.helpers import sms_form, twilio_post

GREET = "utter_greet"
SHOPPER = "+447700900123"


@pytest.fixture
def interpreter(nlu_model):  # noqa: ANN001, ANN201 - the real NLU: these tests read shoppers' messages
    import intents

    return intents.load_interpreter("embedded", model_path=nlu_model)


def _sms_reply(client, text: str) -> str:  # noqa: ANN001
    response = twilio_post(client, "/twilio/sms", sms_form(text, sender=SHOPPER), token=TWILIO_TOKEN,
                           public_url=PUBLIC_URL)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _rest_reply(client, text: str, sender: str = "web-visitor-1") -> str:  # noqa: ANN001
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200
    return " ".join(r.get("text", "") for r in response.get_json())


def test_a_put_changes_the_next_reply_on_sms_and_rest(client, auth):  # noqa: ANN001
    assert "delivery assistant" in _sms_reply(client, "hello")
    put = client.put(f"/api/v1/templates/{GREET}", headers=auth,
                     json={"channel": "sms", "text": "Hey from {brand} by text! Ask about your parcel."})
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["template"]["overrides"] == {"sms": "Hey from {brand} by text! Ask about your parcel."}
    put = client.put(f"/api/v1/templates/{GREET}", headers=auth,
                     json={"channel": None, "text": "Welcome to {brand} - ask me about any delivery."})
    assert put.status_code == 200

    sms = _sms_reply(client, "hello")
    assert "Hey from" in sms and "by text" in sms and "delivery assistant" not in sms
    rest = _rest_reply(client, "hello")
    assert "Welcome to" in rest and "ask me about any delivery" in rest and "by text" not in rest

    history = client.get(f"/api/v1/templates/{GREET}/history", headers=auth).get_json()["revisions"]
    assert [(r["channel"], r["before"]) for r in history] == [
        (None, None), ("sms", None)]  # newest first; the default was in force before each
    assert history[0]["author"].startswith("api:")

    # Revert the SMS change: its `before` (the default) comes back, recorded as a new revision.
    sms_change = history[1]["id"]
    reverted = client.post(f"/api/v1/templates/{GREET}/revert", headers=auth, json={"revision": sms_change})
    assert reverted.status_code == 200 and reverted.get_json()["revision"]["kind"] == "revert"
    assert "Welcome to" in _sms_reply(client, "hello")  # the every-channel text now reaches SMS too

    reset = client.delete(f"/api/v1/templates/{GREET}", headers=auth)
    assert reset.status_code == 200
    assert "delivery assistant" in _rest_reply(client, "hello", sender="web-visitor-2")
    assert client.get(f"/api/v1/templates/{GREET}", headers=auth).get_json()["overridden"] is False


def test_a_bad_text_is_refused_naming_the_problem(client, auth):  # noqa: ANN001
    bad = client.put(f"/api/v1/templates/{GREET}", headers=auth,
                     json={"channel": "sms", "text": "Hi {unknown_variable}, this is {brand}"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"text": "unknown variable {unknown_variable}"}
    code = client.put("/api/v1/templates/utter_code_message", headers=auth,
                      json={"channel": None, "text": "{brand}: here is your code."})
    assert code.status_code == 422 and "missing required variable {code}" in code.get_json()["errors"]["text"]
    channel = client.put(f"/api/v1/templates/{GREET}", headers=auth, json={"channel": "fax", "text": "Hi"})
    assert channel.status_code == 422 and "channel" in channel.get_json()["errors"]
    missing = client.put("/api/v1/templates/utter_no_such_thing", headers=auth, json={"text": "Hi"})
    assert missing.status_code == 404
    preview = client.post(f"/api/v1/templates/{GREET}/preview", headers=auth,
                          json={"channel": "sms", "text": "Hi from {brand} \u2013 ask me"})
    body = preview.get_json()
    assert preview.status_code == 200 and body["encoding"] == "UCS-2" and body["forces_ucs2"] == ["\u2013"]
    assert body["preview"].startswith("Hi from Demo") or "{brand}" not in body["preview"]
    assert client.get(f"/api/v1/templates/{GREET}", headers=auth).get_json()["overrides"] == {}  # nothing saved


def test_an_agent_gets_403_and_an_admin_may(runtime, demo, app):  # noqa: ANN001
    make_user(runtime, "sam@acme.example", role="agent")
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    agent = app.test_client()
    sign_in(agent, "sam@acme.example")
    token = page_token(agent)
    refused = agent.put(f"/api/v1/templates/{GREET}", json={"channel": None, "text": "Hi from {brand}"},
                        headers={"X-CSRFToken": token})
    assert refused.status_code == 403
    assert agent.get("/api/v1/templates").status_code == 403

    admin = app.test_client()
    sign_in(admin, "ann@acme.example")
    no_token = admin.put(f"/api/v1/templates/{GREET}", json={"channel": None, "text": "Hi from {brand}"})
    assert no_token.status_code == 400  # the session is the credential: a change needs the page's CSRF token
    ok = admin.put(f"/api/v1/templates/{GREET}", json={"channel": None, "text": "Hi from {brand}"},
                   headers={"X-CSRFToken": page_token(admin)})
    assert ok.status_code == 200
    assert ok.get_json()["revision"]["author"] == "admin:ann@acme.example"


def test_another_merchants_key_cannot_see_or_change_these_overrides(runtime, demo, client, auth):  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        other = m.Merchant(slug="other", name="Other Shop", settings={})
        session.add(other)
        session.flush()
        other_key, _ = create_key(session, other)
    theirs = {"Authorization": f"Bearer {other_key}"}
    assert client.put(f"/api/v1/templates/{GREET}", headers=auth,
                      json={"channel": None, "text": "Demo only: hi from {brand}"}).status_code == 200

    seen = client.get(f"/api/v1/templates/{GREET}", headers=theirs).get_json()
    assert seen["overrides"] == {} and "Demo only" not in str(seen)
    assert client.get(f"/api/v1/templates/{GREET}/history", headers=theirs).get_json()["revisions"] == []
    demo_revision = client.get(f"/api/v1/templates/{GREET}/history", headers=auth).get_json()["revisions"][0]["id"]
    stolen = client.post(f"/api/v1/templates/{GREET}/revert", headers=theirs, json={"revision": demo_revision})
    assert stolen.status_code == 404
    assert client.delete(f"/api/v1/templates/{GREET}", headers=theirs).get_json()["revisions"] == []
    client.put(f"/api/v1/templates/{GREET}", headers=theirs, json={"channel": None, "text": "Other: {brand}"})

    with runtime.sessions() as session:
        demo_row = session.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        assert demo_row.settings["responses"][GREET] == "Demo only: hi from {brand}"
    assert "Demo only" in _sms_reply(client, "hello")
