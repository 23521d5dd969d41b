"""Two people acting on one conversation at the same moment, as the console and a helpdesk do on a busy
morning: the conversation's row lock puts their moves one after the other, and the later one must be told
what happened, never repeat what the first already said to the shopper."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from tests.console.kit import make_user, page_token, sign_in
from tests.console.test_handoff_end_to_end import SHOPPER, outbox_to, text


def _waiting_id(client) -> int:  # noqa: ANN001
    return client.get("/api/v1/conversations?status=waiting").get_json()["conversations"][0]["id"]


def _taken_over(runtime, app):  # noqa: ANN001, ANN202
    """The shopper asked for a person and Sam, signed in, took the conversation: (Sam's client, headers, its id)."""
    client = app.test_client()
    text(client, "AGENT")
    make_user(runtime)
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    conv_id = _waiting_id(client)
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers).status_code == 200
    return client, headers, conv_id


def test_a_second_resolve_is_refused_and_the_shopper_hears_goodbye_once(runtime, demo, app):
    text(app.test_client(), "AGENT")
    make_user(runtime, "sam@acme.example", name="Sam")
    make_user(runtime, "kim@acme.example", name="Kim")
    sam, kim = app.test_client(), app.test_client()
    sign_in(sam, "sam@acme.example")
    sign_in(kim, "kim@acme.example")
    sam_headers, kim_headers = {"X-CSRFToken": page_token(sam)}, {"X-CSRFToken": page_token(kim)}
    conv_id = _waiting_id(sam)
    assert sam.post(f"/api/v1/conversations/{conv_id}/takeover", headers=sam_headers).status_code == 200

    first = sam.post(f"/api/v1/conversations/{conv_id}/resolve", headers=sam_headers, json={"survey": True})
    late = kim.post(f"/api/v1/conversations/{conv_id}/resolve", headers=kim_headers)  # lost the race
    again = sam.post(f"/api/v1/conversations/{conv_id}/resolve", headers=sam_headers)  # a double click

    assert first.status_code == 200
    assert late.status_code == 409 and "already resolved" in late.get_json()["error"]
    assert again.status_code == 409
    goodbyes = [x for x in outbox_to(runtime, SHOPPER) if "Thanks for talking" in x.body]
    assert len(goodbyes) == 1, [x.body for x in goodbyes]
    with runtime.sessions() as s:
        conv = s.get(m.Conversation, conv_id)
        assert conv.state["survey_for"] == "agent:sam@acme.example"  # the rating stays the one who resolved
        resolved = s.scalars(select(m.AuditEntry).where(m.AuditEntry.result == "resolved")).all()
    assert len(resolved) == 1


def test_the_console_page_tells_the_later_person_it_is_already_resolved(runtime, demo, app):
    text(app.test_client(), "AGENT")
    make_user(runtime, "sam@acme.example", name="Sam")
    sam = app.test_client()
    sign_in(sam, "sam@acme.example")
    token = page_token(sam)
    conv_id = _waiting_id(sam)
    sam.post(f"/console/c/{conv_id}/resolve", data={"csrf_token": token})
    page = sam.post(f"/console/c/{conv_id}/resolve", data={"csrf_token": token}, follow_redirects=True)
    assert page.status_code == 200
    assert "This conversation is already resolved." in page.get_data(as_text=True)
    assert len([x for x in outbox_to(runtime, SHOPPER) if "Thanks for talking" in x.body]) == 1


def test_a_reply_after_the_shopper_texted_stop_is_refused_not_a_500(runtime, demo, app):
    """The shopper texts STOP while a person has the conversation (the router handles STOP first): the
    person's next reply can't be sent, and they are told why instead of getting an internal error."""
    client, headers, conv_id = _taken_over(runtime, app)
    assert any("unsubscribed" in r for r in text(client, "STOP"))
    sent_before = len(outbox_to(runtime, SHOPPER))

    api = client.post(f"/api/v1/conversations/{conv_id}/messages", headers=headers, json={"text": "Still there?"})
    page = client.post(f"/console/c/{conv_id}/reply", data={"csrf_token": headers["X-CSRFToken"],
                                                            "reply-text": "Hello?"}, follow_redirects=True)

    assert api.status_code == 409 and "texted STOP" in api.get_json()["error"]
    assert page.status_code == 200 and "The shopper texted STOP" in page.get_data(as_text=True)
    assert len(outbox_to(runtime, SHOPPER)) == sent_before  # nothing queued to a number that said STOP
    note = client.post(f"/api/v1/conversations/{conv_id}/notes", headers=headers, json={"text": "Opted out"})
    assert note.status_code == 201


def test_the_later_person_is_told_the_conversation_was_handed_back(runtime, demo, app):
    """Two hand-backs at once (or a reply racing a hand-back): the later one learns that the bot has it now."""
    client, headers, conv_id = _taken_over(runtime, app)
    assert client.post(f"/api/v1/conversations/{conv_id}/handback", headers=headers).status_code == 200

    late = client.post(f"/api/v1/conversations/{conv_id}/handback", headers=headers)
    reply = client.post(f"/api/v1/conversations/{conv_id}/messages", headers=headers, json={"text": "one more thing"})

    for answer in (late, reply):
        assert answer.status_code == 409 and "handed back" in answer.get_json()["error"], answer.get_json()
    assert len([x for x in outbox_to(runtime, SHOPPER) if "handed you back" in x.body]) == 1
