"""The queue page's search box (GET /console?q=): a shopper who phones is found by their phone number however it
is typed, or by a tracking or order number; only the agent's own merchant's conversations ever show, and whatever
is typed gives a page."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core import audit
from bot.services.console_search import MAX_QUERY, Search
from tests.console.kit import make_user, sign_in

SHOPPER = "+447700900456"  # the demo's parcel PB100000002GB, order 100232, is sent to this number


def _conv(runtime, merchant_id: int, address: str, *, channel: str = "sms", status: str = "bot",  # noqa: ANN001
          said: str | None = None, hours_ago: int = 1) -> int:
    with transaction(runtime.sessions) as s:
        at = runtime.clock() - timedelta(hours=hours_ago)
        conv = m.Conversation(merchant_id=merchant_id, channel=channel, address=address, status=status, state={},
                              waiting_since=at if status == "waiting" else None, last_message_at=at, created_at=at)
        s.add(conv)
        s.flush()
        if said:
            s.add(m.Message(merchant_id=merchant_id, conversation_id=conv.id, direction="in", channel=channel,
                            sender=address, recipient="+441614960000", body=said, status="received",
                            created_at=at))
        return conv.id


def _proved(runtime, merchant_id: int, sender: str, tracking: str, channel: str = "web") -> None:  # noqa: ANN001
    """The audit entry a conversation's proof of a parcel writes (dialogues/base.py Turn.mark_verified)."""
    with transaction(runtime.sessions) as s:
        audit.record(s, at=runtime.clock(), merchant_id=merchant_id, actor=sender, action="verification",
                     result="verified", subject=tracking, channel=channel, verification="tracking_and_postcode")


def _other_merchant(runtime) -> int:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        shop = m.Merchant(slug="other", name="Other Shop", sms_number="+441614960099", settings={})
        s.add(shop)
        s.flush()
        s.add(m.Shipment(merchant_id=shop.id, tracking_number="PB100000002GB", order_number="100232",
                         recipient_phone="+447700900777"))
        return shop.id


def _found(client, q: str) -> list[int]:  # noqa: ANN001
    """The conversations a search lists, in order."""
    page = client.get(f"/console?q={quote(q)}")
    assert page.status_code == 200
    return [int(x) for x in re.findall(r'<tr [^>]*data-id="(\d+)"', page.get_data(as_text=True))]


@pytest.fixture
def sam(runtime, demo, client):  # noqa: ANN001, ANN201
    make_user(runtime)
    sign_in(client)
    return client


def test_the_queue_page_has_a_labelled_search_box_that_works_without_javascript(runtime, demo, sam):
    page = sam.get("/console").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/console" role="search".*?</form>', page, re.S)
    assert form, "no search form on the queue page"
    assert '<label for="q">' in form.group(0) and 'id="q" name="q"' in form.group(0)
    assert f'maxlength="{MAX_QUERY}"' in form.group(0) and 'type="submit"' in form.group(0)


@pytest.mark.parametrize("typed", ["07700 900456", "+44 7700 900456", "447700900456", "+447700900456",
                                   "0044 7700 900456", "(07700) 900-456", " 07700900456 ",
                                   "\uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff14\uff15\uff16"])
def test_a_phone_number_is_found_however_it_is_typed(typed):
    assert Search.read(typed, "GB").phone == SHOPPER


def test_an_agent_finds_the_shoppers_conversations_by_phone_whatever_their_status(runtime, demo, sam):
    resolved = _conv(runtime, demo.id, SHOPPER, status="resolved", said="where is my jacket", hours_ago=30)
    whatsapp = _conv(runtime, demo.id, SHOPPER, channel="whatsapp", status="waiting", said="hello?")
    _conv(runtime, demo.id, "+447700900999", status="waiting", said="someone else")
    for typed in ("07700 900456", "+44 7700 900456", "447700900456"):
        assert _found(sam, typed) == [whatsapp, resolved], typed  # the newest first
    page = sam.get("/console?q=07700+900456").get_data(as_text=True)
    assert "Resolved" in page and "Waiting" in page and "where is my jacket" in page
    assert re.search(r'<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d</time>', page)
    assert "&ldquo;07700 900456&rdquo;" in page and 'value="07700 900456"' in page  # the query, echoed back


def test_a_us_merchant_finds_a_us_number_typed_the_american_way(runtime, demo, sam):
    with transaction(runtime.sessions) as s:
        s.get(m.Merchant, demo.id).settings = {**(s.get(m.Merchant, demo.id).settings or {}), "region": "US"}
    conv = _conv(runtime, demo.id, "+14155550134")
    for typed in ("(415) 555-0134", "415-555-0134", "415.555.0134", "+1 415 555 0134", "1 415 555 0134"):
        assert _found(sam, typed) == [conv], typed


def test_a_tracking_or_order_number_finds_the_recipients_and_the_chats_that_proved_it(runtime, demo, sam):
    """The parcel's recipient's conversation (the one whose parcels the console shows), and a web chat (no
    phone number) that proved the parcel with its number and postcode."""
    texted = _conv(runtime, demo.id, SHOPPER, hours_ago=3)
    chat = _conv(runtime, demo.id, "web-1f2e3d4c", channel="web", hours_ago=2)
    _proved(runtime, demo.id, "web-1f2e3d4c", "PB100000002GB")
    _conv(runtime, demo.id, "+447700900123")  # someone else's parcel
    _proved(runtime, demo.id, "web-99", "PB100000001GB")
    _conv(runtime, demo.id, "web-99", channel="web")
    for typed in ("PB100000002GB", "pb100000002gb", "PB 1000 0000 2GB", "100232", "#100232", " 100 232 "):
        assert _found(sam, typed) == [chat, texted], typed


def test_an_order_number_is_matched_whatever_its_case(runtime, demo, sam):
    with transaction(runtime.sessions) as s:
        s.add(m.Shipment(merchant_id=demo.id, tracking_number="ZX0001", order_number="Acme-77",
                         recipient_phone="+447700900555"))
    conv = _conv(runtime, demo.id, "+447700900555")
    for typed in ("Acme-77", "ACME-77", "acme-77", "#acme-77"):
        assert _found(sam, typed) == [conv], typed


def test_another_merchants_conversations_never_show(runtime, demo, sam, app):
    """The other merchant has a conversation at the same number, a parcel with the same tracking and order
    number, and a web chat that proved it: none of it shows to Sam, and Sam's shows to none of theirs."""
    ours = _conv(runtime, demo.id, SHOPPER)
    other = _other_merchant(runtime)
    theirs = [_conv(runtime, other, SHOPPER), _conv(runtime, other, "+447700900777"),
              _conv(runtime, other, "web-other", channel="web")]
    _proved(runtime, other, "web-other", "PB100000002GB")
    _proved(runtime, other, SHOPPER, "PB100000009GB", channel="sms")
    for typed in ("07700 900456", "PB100000002GB", "100232", "07700 900777", "PB100000009GB"):
        assert not set(_found(sam, typed)) & set(theirs), typed
    assert _found(sam, "PB100000002GB") == [ours]

    make_user(runtime, "eve@other.example", slug="other", name="Eve")
    eve = app.test_client()
    sign_in(eve, "eve@other.example")
    assert ours not in _found(eve, "07700 900456") and _found(eve, "07700 900456") == [theirs[0]]
    assert sorted(_found(eve, "PB100000002GB")) == sorted(theirs[1:])


def test_nothing_found_says_so_and_echoes_the_query(runtime, demo, sam):
    _conv(runtime, demo.id, SHOPPER)
    for typed in ("07700 900000", "PB999", "hello there"):
        page = sam.get(f"/console?q={quote(typed)}")
        assert page.status_code == 200
        assert f"No conversation matches &ldquo;{typed}&rdquo;." in page.get_data(as_text=True)
    assert "Type a phone number" in sam.get("/console?q=").get_data(as_text=True)


@pytest.mark.parametrize("typed", [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "\u202e654009 00770", "07700\u200b900456",
    "\U0001f4e6 parcel", "Ω" * 40, "' OR 1=1 --", "%00", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "9" * 99, "+" * 30, "#", "  ",
])
def test_hostile_input_gives_a_page_with_it_escaped(runtime, demo, sam, typed):
    _conv(runtime, demo.id, SHOPPER)
    page = sam.get(f"/console?q={quote(typed)}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body and "\x00" not in body
    if "<" in typed:
        assert "&lt;" in body


def test_a_nul_is_the_apps_clear_400_not_a_500(runtime, demo, sam):
    assert sam.get("/console?q=07700%00900456").status_code == 400  # bot/web/nul_guard.py, before any view


def test_a_very_long_query_is_refused_kindly(runtime, demo, sam):
    page = sam.get(f"/console?q={'0' * 5000}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"at most {MAX_QUERY} characters" in body and "0" * (MAX_QUERY + 1) not in body


def test_signed_out_the_search_asks_for_a_sign_in(runtime, demo, client):
    _conv(runtime, demo.id, SHOPPER)
    answer = client.get("/console?q=07700+900456")
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]
    assert SHOPPER not in answer.get_data(as_text=True)


def test_the_live_reload_keeps_to_the_search(runtime, demo, sam):
    """The page's script reloads #queue from its data-src on every event: for a search, the search's rows."""
    conv = _conv(runtime, demo.id, SHOPPER)
    _conv(runtime, demo.id, "+447700900999", status="waiting")
    page = sam.get("/console?q=07700+900456").get_data(as_text=True)
    src = html.unescape(re.search(r'id="queue" data-src="([^"]+)"', page).group(1))
    assert "q=07700" in src and "part=rows" in src
    rows = sam.get(src).get_data(as_text=True)
    assert "<html" not in rows and re.findall(r'data-id="(\d+)"', rows) == [str(conv)]


def test_a_search_shows_fifty_and_says_there_are_more(runtime, demo, sam):
    with runtime.sessions() as s:
        demo_id = s.scalar(select(m.Merchant.id).where(m.Merchant.slug == "demo"))
    for i in range(52):
        _proved(runtime, demo_id, f"web-{i}", "PB100000003GB")
        _conv(runtime, demo_id, f"web-{i}", channel="web", hours_ago=i + 1)
    page = sam.get("/console?q=PB100000003GB").get_data(as_text=True)
    assert page.count('data-id="') == 50 and "50+ conversations" in page
