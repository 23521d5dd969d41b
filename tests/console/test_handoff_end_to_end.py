"""The must-show path, over the real SMS webhook: a shopper asks for a person, the conversation waits in the
queue, an agent takes it over, the bot goes silent, the agent's reply leaves through the outbox to the
shopper's number, the agent hands back, and the bot answers again."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from backend import models as m
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import make_user, page_token, sign_in
from tests.helpers import sms_form, twilio_post

SHOPPER = "+447700900123"


def text(client, body: str) -> list[str]:  # noqa: ANN001
    response = twilio_post(client, "/twilio/sms", sms_form(body, sender=SHOPPER), token=TWILIO_TOKEN,
                           public_url=PUBLIC_URL)
    assert response.status_code == 200
    return ["".join(x.itertext()) for x in ET.fromstring(response.get_data(as_text=True)).findall("Message")]


def outbox_to(runtime, phone: str) -> list[m.Message]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.Message).where(m.Message.direction == "out", m.Message.recipient == phone,
                                                      m.Message.status != "reply").order_by(m.Message.id)))


def test_a_person_takes_over_and_hands_back(runtime, demo, client):
    assert any("passed this" in r for r in text(client, "can I talk to a real person"))
    make_user(runtime)
    assert sign_in(client).status_code == 302
    headers = {"X-CSRFToken": page_token(client)}

    waiting = client.get("/api/v1/conversations?status=waiting").get_json()["conversations"]
    conv = next(c for c in waiting if c["shopper"] == SHOPPER)
    assert conv["reason"] == "shopper_asked" and conv["waiting_minutes"] == 0

    taken = client.post(f"/api/v1/conversations/{conv['id']}/takeover", headers=headers)
    assert taken.status_code == 200 and taken.get_json()["status"] == "with_agent"
    assert "Sam from the Acme Outdoor team has joined" in outbox_to(runtime, SHOPPER)[-1].body

    assert text(client, "where is my parcel") == []  # the bot says nothing while a person has it
    transcript = client.get(f"/api/v1/conversations/{conv['id']}").get_json()["messages"]
    assert transcript[-1]["direction"] == "in" and transcript[-1]["body"] == "where is my parcel"

    sent = client.post(f"/api/v1/conversations/{conv['id']}/messages", headers=headers,
                       json={"text": "Hi, it's Sam. Your shoes are due tomorrow morning."})
    assert sent.status_code == 201
    last = outbox_to(runtime, SHOPPER)[-1]
    assert last.body == "Hi, it's Sam. Your shoes are due tomorrow morning." and last.channel == "sms"
    assert last.author == "agent:sam@acme.example"

    back = client.post(f"/api/v1/conversations/{conv['id']}/handback", headers=headers)
    assert back.status_code == 200 and back.get_json()["status"] == "bot"
    assert "handed you back" in outbox_to(runtime, SHOPPER)[-1].body
    replies = text(client, "where is my parcel")
    assert any("Trail running shoes" in r for r in replies), replies

    with runtime.sessions() as s:
        actions = {(a.actor, a.action, a.result) for a in s.scalars(select(m.AuditEntry))}
    assert ("agent:sam@acme.example", "handoff", "taken_over") in actions
    assert ("agent:sam@acme.example", "agent_message", "queued") in actions
    assert ("agent:sam@acme.example", "handoff", "returned_to_bot") in actions


def test_resolving_can_ask_for_a_rating_stored_against_the_agent(runtime, demo, client):
    text(client, "AGENT")
    make_user(runtime)
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    conv_id = client.get("/api/v1/conversations?status=waiting").get_json()["conversations"][0]["id"]
    client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers)
    done = client.post(f"/api/v1/conversations/{conv_id}/resolve", headers=headers, json={"survey": True})
    assert done.get_json()["status"] == "resolved"
    assert "How did we do?" in outbox_to(runtime, SHOPPER)[-1].body
    assert text(client, "5") == ["Thank you for your feedback."]
    with runtime.sessions() as s:
        rating = s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "survey"))
    assert rating.result == "5" and rating.detail["agent"] == "agent:sam@acme.example"
    assert text(client, "5") != ["Thank you for your feedback."]  # asked once: now "5" is just a message
    with runtime.sessions() as s:
        assert len(s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "survey")).all()) == 1
