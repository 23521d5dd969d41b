"""A shopper who sends thousands of messages (a stuck phone, a script, someone upset at length): the
conversation's page and its API answer a page of the transcript, the newest, with a way to the older ones,
not every message at every reload (the page reloads its transcript on each new message)."""

from __future__ import annotations

from datetime import timedelta

from backend import models as m
from backend.db import transaction
from tests.console.kit import make_user, sign_in

PAGE = 200


def _chatty(runtime, demo, count: int) -> tuple[int, list[int]]:  # noqa: ANN001
    """A conversation with `count` messages from the shopper; (its id, the message ids oldest first)."""
    start = runtime.clock() - timedelta(hours=2)
    with transaction(runtime.sessions) as s:
        conv = m.Conversation(merchant_id=demo.id, channel="sms", address="+447700900555", status="waiting",
                              waiting_since=start, last_message_at=start, created_at=start)
        s.add(conv)
        s.flush()
        rows = [m.Message(merchant_id=demo.id, conversation_id=conv.id, direction="in", channel="sms",
                          sender=conv.address, recipient="+441614960000", body=f"message number {i}",
                          status="received", created_at=start + timedelta(seconds=i)) for i in range(count)]
        s.add_all(rows)
        s.flush()
        return conv.id, [r.id for r in rows]


def test_the_api_answers_the_newest_page_and_walks_back_to_the_first(runtime, demo, client):  # noqa: ANN001
    conv_id, ids = _chatty(runtime, demo, PAGE * 2 + 50)
    make_user(runtime)
    sign_in(client)

    newest = client.get(f"/api/v1/conversations/{conv_id}").get_json()
    assert [x["id"] for x in newest["messages"]] == ids[-PAGE:]
    assert newest["earlier"] == ids[-PAGE]
    seen = [x["id"] for x in newest["messages"]]
    cursor = newest["earlier"]
    while cursor is not None:
        older = client.get(f"/api/v1/conversations/{conv_id}?before={cursor}").get_json()
        seen = [x["id"] for x in older["messages"]] + seen
        cursor = older["earlier"]
    assert seen == ids  # every message once, in order
    small = client.get(f"/api/v1/conversations/{conv_id}?limit=5").get_json()
    assert [x["id"] for x in small["messages"]] == ids[-5:]


def test_bad_page_arguments_are_a_422_naming_them(runtime, demo, client):  # noqa: ANN001
    conv_id, _ = _chatty(runtime, demo, 3)
    make_user(runtime)
    sign_in(client)
    for query, name in (("before=abc", "before"), ("before=0", "before"), ("before=" + "9" * 5000, "before"),
                        ("limit=0", "limit"), ("limit=100000", "limit"), ("limit=-1", "limit"),
                        ("limit=\u00b2", "limit")):
        answer = client.get(f"/api/v1/conversations/{conv_id}?{query}")
        assert answer.status_code == 422, (query, answer.status_code)
        assert name in answer.get_json()["errors"], query
    assert client.get(f"/console/c/{conv_id}?before=abc").status_code == 400


def test_the_console_page_shows_the_newest_page_and_links_to_the_earlier_one(runtime, demo, client):  # noqa: ANN001
    conv_id, ids = _chatty(runtime, demo, PAGE + 10)
    make_user(runtime)
    sign_in(client)
    html = client.get(f"/console/c/{conv_id}").get_data(as_text=True)
    assert html.count("message number ") == PAGE
    assert f"message number {PAGE + 9}<" in html and "message number 9<" not in html
    assert f"/console/c/{conv_id}?before={ids[10]}" in html and "Earlier messages" in html
    older = client.get(f"/console/c/{conv_id}?before={ids[10]}").get_data(as_text=True)
    assert older.count("message number ") == 10 and "Earlier messages" not in older
