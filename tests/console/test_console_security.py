"""Every console and conversation-API route refuses: an anonymous caller, a signed-in person without the CSRF
token (on a change), and another merchant's agent. Passwords are never stored or logged in clear."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import PASSWORD, make_user, page_token, sign_in
from tests.helpers import sms_form, twilio_post

READS = ["/console", "/console/c/{id}", "/console/events", "/api/v1/conversations?status=waiting",
         "/api/v1/conversations/{id}"]
CHANGES = ["/console/logout", "/console/next", "/console/c/{id}/takeover", "/console/c/{id}/reply",
           "/console/c/{id}/note", "/console/c/{id}/handback", "/console/c/{id}/resolve",
           "/api/v1/conversations/{id}/takeover", "/api/v1/conversations/{id}/messages",
           "/api/v1/conversations/{id}/notes", "/api/v1/conversations/{id}/handback",
           "/api/v1/conversations/{id}/resolve", "/api/v1/conversations/{id}/actions"]


def test_the_lists_cover_every_route(app):
    """A new console or conversation route must be added above, so it is checked too."""
    rules = {r.rule for r in app.url_map.iter_rules()
             if r.rule.startswith(("/console", "/api/v1/conversations")) and "static" not in r.rule}
    known = {u.split("?")[0].replace("{id}", "<int:conv_id>") for u in READS + CHANGES} | {
        "/console/login", "/console/c/<int:conv_id>/<any(takeover, handback, resolve, reply, note):action>"}
    assert rules - known == set()


@pytest.fixture
def waiting(runtime, demo, client) -> int:  # noqa: ANN001
    twilio_post(client, "/twilio/sms", sms_form("AGENT", sender="+447700900456"), token=TWILIO_TOKEN,
                public_url=PUBLIC_URL)
    with runtime.sessions() as s:
        return s.scalar(select(m.Conversation.id).where(m.Conversation.address == "+447700900456"))


@pytest.mark.parametrize("url", READS + CHANGES)
def test_anonymous_is_refused(app, waiting, url):
    client = app.test_client()
    path = url.format(id=waiting)
    response = client.post(path, json={"text": "hi"}) if url in CHANGES else client.get(path)
    assert response.status_code in (302, 400, 401), (path, response.status_code)
    if response.status_code == 302:
        assert "/console/login" in response.headers["Location"]


@pytest.mark.parametrize("url", CHANGES)
def test_a_change_without_the_csrf_token_is_refused(runtime, app, waiting, url):
    make_user(runtime)
    client = app.test_client()
    sign_in(client)
    response = client.post(url.format(id=waiting), data={"text": "hi"})
    assert response.status_code == 400, (url, response.status_code)
    with runtime.sessions() as s:
        assert s.get(m.Conversation, waiting).status == "waiting"


@pytest.mark.parametrize("url", READS[1:2] + READS[4:] + CHANGES[2:])
def test_another_merchants_agent_is_refused(runtime, app, waiting, url):
    with transaction(runtime.sessions) as s:
        s.add(m.Merchant(slug="other", name="Other Shop", sms_number="+441614960099", settings={}))
    make_user(runtime, "eve@other.example", slug="other", name="Eve")
    client = app.test_client()
    sign_in(client, "eve@other.example")
    token = page_token(client)
    path = url.format(id=waiting)
    if url in CHANGES:
        response = client.post(path, headers={"X-CSRFToken": token},
                               data={"csrf_token": token, "reply-text": "hi", "note-text": "hi",
                                     "reply-csrf_token": token, "note-csrf_token": token}) \
            if path.startswith("/console") else client.post(path, headers={"X-CSRFToken": token}, json={"text": "hi"})
    else:
        response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    with runtime.sessions() as s:
        conv = s.get(m.Conversation, waiting)
        assert conv.status == "waiting" and conv.assignee_id is None
        assert not s.scalars(select(m.ConversationNote)).all()


def test_passwords_are_never_stored_or_logged_in_clear(runtime, demo, client, caplog):
    caplog.set_level(logging.DEBUG)
    make_user(runtime)
    sign_in(client, "sam@acme.example", "a wrong guess of a password")
    sign_in(client)
    with runtime.sessions() as s:
        user = s.scalar(select(m.User))
        stored = [user.password_hash] + [str(a.detail) for a in s.scalars(select(m.AuditEntry))]
        stored += [str(x.body) for x in s.scalars(select(m.Message))]
    assert user.password_hash.startswith("$argon2id$")
    for secret in (PASSWORD, "a wrong guess of a password"):
        assert not any(secret in text for text in stored)
        assert secret not in caplog.text


def test_the_product_hashes_passwords_at_rfc_9106s_cost():
    """The suite hashes cheaply in its own process (tests/conftest.py); the product's hasher is argon2id at RFC
    9106's second recommended set, and a hash made at a lower cost is marked for rehashing at the next sign-in."""
    from argon2 import PasswordHasher, Type, profiles

    from tests.helpers import PRODUCT_HASHER

    (product,) = PRODUCT_HASHER
    assert product.type is Type.ID and product.memory_cost >= 65536 and product.time_cost >= 3, product
    assert product.check_needs_rehash(PasswordHasher.from_parameters(profiles.CHEAPEST).hash("a password"))


def test_two_agents_taking_one_conversation_at_once_one_wins(runtime, app, waiting):
    """On PostgreSQL the conversation's row lock decides; on SQLite writers queue. Exactly one takes it."""
    clients = []
    for email, name in (("sam@acme.example", "Sam"), ("kim@acme.example", "Kim")):
        make_user(runtime, email, name=name)
        c = app.test_client()
        sign_in(c, email)
        clients.append((c, page_token(c)))
    barrier, codes = threading.Barrier(2), []

    def take(c, token) -> None:  # noqa: ANN001
        barrier.wait()
        codes.append(c.post(f"/api/v1/conversations/{waiting}/takeover", headers={"X-CSRFToken": token}).status_code)

    threads = [threading.Thread(target=take, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [200, 409]
    with runtime.sessions() as s:
        taken = s.scalars(select(m.AuditEntry).where(m.AuditEntry.result == "taken_over")).all()
        joined = s.scalars(select(m.Message).where(m.Message.body.like("%has joined%"))).all()
    assert len(taken) == 1 and len(joined) == 1
