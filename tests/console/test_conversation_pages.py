"""GET /api/v1/conversations a page at a time (bot/web/api/paging.py): `limit` and the `next` cursor walk the whole
queue in its order, rows that arrive between two pages are neither skipped nor repeated, a made-up cursor is a 422
that names it, and another merchant's conversations never show (it used to stop at 200, the rest unreachable)."""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import timedelta

import pytest

from backend import models as m
from backend.db import transaction
from tests.console.kit import make_user, sign_in


def _conversations(runtime, merchant_id: int, first: int, count: int, status: str, *, same_time: bool = False) -> None:  # noqa: ANN001
    start = runtime.clock() - timedelta(hours=2)
    with transaction(runtime.sessions) as s:
        for i in range(first, first + count):
            at = start if same_time else start + timedelta(seconds=i)  # ties: the id orders them
            s.add(m.Conversation(merchant_id=merchant_id, channel="sms", address=f"+44770090{i:04d}", status=status,
                                 waiting_since=at if status == "waiting" else None, last_message_at=at,
                                 created_at=start))


def _walk(client, status: str, limit: int) -> list[str]:  # noqa: ANN001
    seen, cursor = [], None
    for _ in range(50):
        answer = client.get("/api/v1/conversations", query_string={"status": status, "limit": limit,
                                                                   **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.get_json()
        page = answer.get_json()
        assert len(page["conversations"]) <= limit
        seen += [c["shopper"] for c in page["conversations"]]
        cursor = page["next"]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize(("status", "same_time"), [("waiting", False), ("bot", False), ("waiting", True),
                                                   ("resolved", True)])
def test_the_pages_walk_the_whole_list_in_order_once(runtime, demo, client, status, same_time):  # noqa: ANN001
    make_user(runtime)
    sign_in(client)
    _conversations(runtime, demo.id, 0, 23, status, same_time=same_time)
    seen = _walk(client, status, 5)
    assert len(seen) == len(set(seen)) == 23
    numbers = [int(s[-4:]) for s in seen]
    oldest_first = status == "waiting"  # the longest wait first; the others newest first
    assert numbers == sorted(numbers, reverse=not oldest_first)


def test_a_row_arriving_between_pages_neither_skips_nor_repeats_one(runtime, demo, client):  # noqa: ANN001
    make_user(runtime)
    sign_in(client)
    _conversations(runtime, demo.id, 0, 6, "waiting")
    first = client.get("/api/v1/conversations?status=waiting&limit=3").get_json()
    with transaction(runtime.sessions) as s:  # waits longest of all: it belongs to the first page now
        early = runtime.clock() - timedelta(hours=5)
        s.add(m.Conversation(merchant_id=demo.id, channel="sms", address="+447700901000", status="waiting",
                             waiting_since=early, last_message_at=early, created_at=early))
    rest = client.get(f"/api/v1/conversations?status=waiting&limit=3&cursor={first['next']}").get_json()
    shown = [c["shopper"] for c in first["conversations"] + rest["conversations"]]
    assert len(shown) == len(set(shown)) == 6 and rest["next"] is None  # the rest, once; the newcomer is on page 1
    again = client.get("/api/v1/conversations?status=waiting&limit=3").get_json()["conversations"]
    assert again[0]["shopper"] == "+447700901000"


def test_another_merchants_conversations_never_show_on_any_page(runtime, demo, client):  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        other = m.Merchant(slug="other", name="Other", sms_number="+441614960999")
        s.add(other)
        s.flush()
        other_id = other.id
    _conversations(runtime, other_id, 500, 4, "waiting")
    _conversations(runtime, demo.id, 0, 4, "waiting")
    make_user(runtime)
    sign_in(client)
    assert sorted(_walk(client, "waiting", 3)) == [f"+44770090{i:04d}" for i in range(4)]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=two", "cursor=bm90LWEtY3Vyc29y", "cursor=%%%",
                                   "cursor=WyIyMDI2LTEyLTA2VDEwOjAwOjAwIiwgMV0"])
def test_a_bad_limit_or_cursor_is_a_422_that_names_it(runtime, demo, client, query):  # noqa: ANN001
    make_user(runtime)
    sign_in(client)
    answer = client.get(f"/api/v1/conversations?status=waiting&{query}")
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {query.split("=")[0]}


def test_the_console_queue_pages_past_its_first_hundred(runtime, demo, client):  # noqa: ANN001
    """The console's queue showed the oldest 100 and no way to the rest: now "Next" walks them, and the page's live
    reload keeps to the page it is on."""
    make_user(runtime)
    sign_in(client)
    _conversations(runtime, demo.id, 0, 130, "waiting")
    first = client.get("/console?status=waiting").get_data(as_text=True)
    assert first.count('data-id="') == 100 and "+447700900129" not in first
    link = re.search(r'href="(/console\?[^"]*cursor=[^"]+)">Next 100 conversations', first)
    assert link, "no link to the next page"
    second = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert second.count('data-id="') == 30 and "+447700900129" in second and "+447700900000" not in second
    assert "Back to the first page" in second and "Next 100" not in second
    reload = re.search(r'data-src="([^"]+)"', second).group(1)
    assert "cursor=" in reload and client.get(html.unescape(reload)).get_data(as_text=True).count('data-id="') == 30
    # A made-up cursor shows the first page rather than an error page
    assert client.get("/console?status=waiting&cursor=nonsense").get_data(as_text=True).count('data-id="') == 100


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", [
    json.dumps(["0001-01-01T00:00:00+01:00", 1]),  # aware, yet before year 1 in UTC: converting it overflowed
    json.dumps(["9999-12-31T23:00:00-05:00", 1]),  # past year 9999 in UTC
    json.dumps(["2026-12-06T10:00:00+00:00", True]),  # an id that is not a number
    "[" * 5000 + "]" * 5000,  # nested deep enough to exhaust the parser's recursion
])
def test_a_made_up_cursor_that_decodes_is_still_a_422_and_the_console_shows_the_first_page(runtime, demo, client,
                                                                                          raw):  # noqa: ANN001
    """Found by review: these were 500s (an overflow, a RecursionError) on the API and on the console's queue."""
    make_user(runtime)
    sign_in(client)
    answer = client.get("/api/v1/conversations", query_string={"status": "waiting", "cursor": _cursor(raw)})
    assert answer.status_code == 422 and "cursor" in answer.get_json()["errors"]
    assert client.get("/console", query_string={"status": "waiting", "cursor": _cursor(raw)}).status_code == 200
