"""What an agent writes reaches the shopper as written, once (review 4 of the consoles): counted as the reply box
counts it (a line break is one character, though the browser sends CRLF), with its line breaks and its whole length
(it was cut to 320 characters and flattened to one line), a refusal saying why and keeping the text in the box, and
the same form or API call sent twice texting the shopper once."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from backend import models as m
from tests.console.kit import make_user, page_token, sign_in
from tests.console.test_handoff_end_to_end import SHOPPER, text


def _taken(runtime, client) -> int:  # noqa: ANN001
    text(client, "AGENT")
    make_user(runtime)
    sign_in(client)
    conv_id = client.get("/api/v1/conversations?status=waiting").get_json()["conversations"][0]["id"]
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover",
                       headers={"X-CSRFToken": page_token(client)}).status_code == 200
    return conv_id


def _form(client, conv_id: int, reply: str) -> dict[str, str]:  # noqa: ANN001
    """The reply form's hidden fields as the page has them, and the text."""
    page = client.get(f"/console/c/{conv_id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="compose".*?</form>', page, re.S).group(0)
    fields = {a["name"]: a.get("value", "") for a in (dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
                                                     for tag in re.findall(r"<input[^>]*>", form))
              if a.get("type") == "hidden"}
    return {**fields, "reply-text": reply}


def _people(runtime) -> list[str]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.Message.body).where(m.Message.recipient == SHOPPER,
                                                           m.Message.author.is_not(None)).order_by(m.Message.id)))


def test_a_long_reply_with_paragraphs_is_sent_whole_with_its_line_breaks(runtime, demo, client):
    conv_id = _taken(runtime, client)
    paragraphs = ["Thanks for waiting. " * 20, "Your parcel is at the depot. " * 15, "Anything else?"]
    typed = "\n\n".join(p.strip() for p in paragraphs)
    assert 320 < len(typed) <= 1600

    client.post(f"/console/c/{conv_id}/reply", data=_form(client, conv_id, typed.replace("\n", "\r\n")))

    assert _people(runtime) == [typed]


def test_a_reply_too_long_says_so_and_keeps_the_text(runtime, demo, client):
    conv_id = _taken(runtime, client)
    typed = "x" * 1601

    answer = client.post(f"/console/c/{conv_id}/reply", data=_form(client, conv_id, typed))

    shown = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Too long: 1601 characters, at most 1600." in html.unescape(shown)
    assert "Write a message first" not in shown
    assert typed in shown  # still in the box, to shorten
    assert _people(runtime) == []


def test_a_refused_reply_sent_again_from_the_page_shown_goes(runtime, demo, client):
    """The refusal's page is a form like any other: shortened and sent, the reply goes (its token is unused)."""
    conv_id = _taken(runtime, client)
    first = _form(client, conv_id, "y" * 1700)
    client.post(f"/console/c/{conv_id}/reply", data=first)

    client.post(f"/console/c/{conv_id}/reply", data={**first, "reply-text": "Shorter."})

    assert _people(runtime) == ["Shorter."]


def test_each_page_shown_sends_its_own_reply_and_a_form_written_again_after_back_is_sent(runtime, demo, client):
    conv_id = _taken(runtime, client)
    form = _form(client, conv_id, "On it!")
    client.post(f"/console/c/{conv_id}/reply", data=form)
    client.post(f"/console/c/{conv_id}/reply", data=_form(client, conv_id, "On it!"))  # a new page: a new reply
    client.post(f"/console/c/{conv_id}/reply", data={**form, "reply-text": "Found it."})  # Back, then written again
    client.post(f"/console/c/{conv_id}/reply", data={**form, "reply-text": "Found it."})  # ... and double-clicked

    assert _people(runtime) == ["On it!", "On it!", "Found it."]


def test_a_helpdesk_retrying_with_its_idempotency_key_texts_once(runtime, demo, client):
    conv_id = _taken(runtime, client)
    headers = {"X-CSRFToken": page_token(client)}
    url = f"/api/v1/conversations/{conv_id}/messages"

    first = client.post(url, headers=headers, json={"text": "On it!", "idempotency_key": "zd-123"})
    again = client.post(url, headers=headers, json={"text": "On it!", "idempotency_key": "zd-123"})
    other = client.post(url, headers=headers, json={"text": "On it!"})
    bad = client.post(url, headers=headers, json={"text": "On it!", "idempotency_key": ["zd"]})

    assert first.status_code == again.status_code == other.status_code == 201
    assert first.get_json()["message"]["id"] == again.get_json()["message"]["id"]
    assert bad.status_code == 422 and "idempotency_key" in bad.get_json()["errors"]
    assert _people(runtime) == ["On it!", "On it!"]
