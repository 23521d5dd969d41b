"""Who may do what in the console and the conversation API: signed-in people of the merchant (with a CSRF
token on every change), the merchant's API key as an integration, nobody else; a second taker gets 409;
another merchant's conversation does not exist."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import PASSWORD, make_user, page_token, sign_in
from tests.helpers import sms_form, twilio_post


def _waiting_conversation(client) -> int:  # noqa: ANN001
    twilio_post(client, "/twilio/sms", sms_form("AGENT", sender="+447700900456"), token=TWILIO_TOKEN,
                public_url=PUBLIC_URL)
    return 0


def _conv_id(runtime, phone: str = "+447700900456") -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(m.Conversation.id).where(m.Conversation.address == phone))


def _other_merchant(runtime) -> tuple[int, str]:  # noqa: ANN001
    """A second merchant with a waiting conversation of its own, and that merchant's API key."""
    with transaction(runtime.sessions) as s:
        shop = m.Merchant(slug="other", name="Other Shop", sms_number="+441614960099", settings={})
        s.add(shop)
        s.flush()
        conv = m.Conversation(merchant_id=shop.id, channel="sms", address="+447700900111", status="waiting",
                              state={})
        s.add(conv)
        s.flush()
        key, _ = create_key(s, shop)
        return conv.id, key


def test_pages_and_api_need_a_sign_in_or_a_key(runtime, demo, client):
    assert client.get("/console").status_code == 302  # to the sign-in page
    assert "/console/login" in client.get("/console").headers["Location"]
    assert client.get("/api/v1/conversations").status_code == 401


def test_a_wrong_password_says_nothing_about_which_part(runtime, demo, client):
    make_user(runtime)
    for email, password in (("sam@acme.example", "not the password!"), ("nobody@acme.example", PASSWORD)):
        response = sign_in(client, email, password)
        assert response.status_code == 401
        assert "match an account" in response.get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.scalar(select(m.User.last_login_at)) is None


def test_sign_in_is_rate_limited(runtime, demo, client):
    make_user(runtime)
    codes = [sign_in(client, "sam@acme.example", f"wrong password {i}").status_code for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429


def test_a_change_without_the_csrf_token_is_refused(runtime, demo, client):
    _waiting_conversation(client)
    make_user(runtime)
    sign_in(client)
    conv_id = _conv_id(runtime)
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover").status_code == 400
    assert client.post(f"/console/c/{conv_id}/takeover").status_code == 400
    with runtime.sessions() as s:
        assert s.get(m.Conversation, conv_id).status == "waiting"
    ok = client.post(f"/api/v1/conversations/{conv_id}/takeover", headers={"X-CSRFToken": page_token(client)})
    assert ok.status_code == 200


def test_a_second_agent_gets_409(runtime, demo, app):
    first, second = app.test_client(), app.test_client()
    _waiting_conversation(first)
    make_user(runtime)
    make_user(runtime, "kim@acme.example", name="Kim")
    sign_in(first)
    sign_in(second, "kim@acme.example")
    conv_id = _conv_id(runtime)
    url = f"/api/v1/conversations/{conv_id}/takeover"
    assert first.post(url, headers={"X-CSRFToken": page_token(first)}).status_code == 200
    again = second.post(url, headers={"X-CSRFToken": page_token(second)})
    assert again.status_code == 409 and "someone else" in again.get_json()["error"]
    reply = second.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "hello"},
                        headers={"X-CSRFToken": page_token(second)})
    assert reply.status_code == 409


def test_another_merchants_conversation_is_404(runtime, demo, client):
    other_conv, other_key = _other_merchant(runtime)
    make_user(runtime)
    sign_in(client)
    token = page_token(client)
    assert client.get(f"/api/v1/conversations/{other_conv}").status_code == 404
    taken = client.post(f"/api/v1/conversations/{other_conv}/takeover", headers={"X-CSRFToken": token})
    assert taken.status_code == 404
    assert client.get(f"/console/c/{other_conv}").status_code == 404
    listed = client.get("/api/v1/conversations?status=waiting").get_json()["conversations"]
    assert other_conv not in [c["id"] for c in listed]
    # and the other merchant's key sees only its own
    theirs = client.get("/api/v1/conversations?status=waiting", headers={"Authorization": f"Bearer {other_key}"})
    assert [c["id"] for c in theirs.get_json()["conversations"]] == [other_conv]


def test_a_helpdesk_acts_with_the_api_key_as_a_named_integration(runtime, demo, client):
    _waiting_conversation(client)
    with transaction(runtime.sessions) as s:
        key, row = create_key(s, s.get(m.Merchant, demo.id))
        prefix = row.prefix
    auth = {"Authorization": f"Bearer {key}", "X-Parcelbot-Integration": "Gorgias"}
    conv_id = _conv_id(runtime)
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=auth).status_code == 200
    note = client.post(f"/api/v1/conversations/{conv_id}/notes", headers=auth, json={"text": "VIP customer"})
    assert note.status_code == 201
    detail = client.get(f"/api/v1/conversations/{conv_id}", headers=auth).get_json()
    assert detail["notes"][0]["body"] == "VIP customer" and detail["notes"][0]["author"] == f"api:{prefix}"
    with runtime.sessions() as s:
        joined = s.scalars(select(m.Message.body).where(m.Message.recipient == "+447700900456",
                                                        m.Message.status != "reply")).all()
    assert any("Gorgias from the Acme Outdoor team has joined" in b for b in joined)
    assert not any("VIP customer" in b for b in joined)  # a note is never sent


@pytest.mark.parametrize("text", ["", " ", "x" * 1601])
def test_an_empty_or_endless_message_is_refused(runtime, demo, client, text):
    _waiting_conversation(client)
    make_user(runtime)
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    conv_id = _conv_id(runtime)
    client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers)
    response = client.post(f"/api/v1/conversations/{conv_id}/messages", headers=headers, json={"text": text})
    assert response.status_code == 422
