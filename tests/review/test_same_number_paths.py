"""Review 3, the paths the three tests of test_same_number_review3 don't walk: two carriers' parcels under one
number, each someone else's. Whatever proves one parcel (the recipient's own phone, number and postcode, a code)
is about that parcel only: the link the chat texts, where the code goes, what the console shows and changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from tests.console.kit import make_user, page_token, sign_in
from tests.review.test_same_number_review3 import NUMBER, _two_parcels_one_number
from tests.security.security_kit import codes_sent_to, latest_code, merchant_settings, rest, talk

MALLORY, VICTORIA = "+447700900555", "+447700900444"


def _mallorys_in_transit(runtime) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        mine = s.scalar(select(m.Shipment).where(m.Shipment.carrier == "royal_mail"))
        now = datetime.now(UTC)
        mine.status, mine.eta_start = "in_transit", now + timedelta(days=2)
        mine.eta_end = now + timedelta(days=2, hours=3)


def _instructions(runtime, carrier: str) -> dict:  # noqa: ANN001
    with runtime.sessions() as s:
        return dict(s.scalar(select(m.Shipment).where(m.Shipment.carrier == carrier)).instructions or {})


def test_the_link_the_chat_texts_opens_the_proved_parcel(client, runtime, demo):
    _two_parcels_one_number(runtime)
    rest(client, "mallory-web", f"where is {NUMBER}")
    reply = rest(client, "mallory-web", "SW1A 1AA")
    found = re.search(r"/t/[\w.-]+", reply)
    assert found, reply
    page = client.get(found.group(0)).get_data(as_text=True)
    assert "delivered" in page.lower() and "Expected" not in page, page


def test_the_recipients_own_phone_sees_and_changes_its_own_parcel_only(client, runtime, demo):
    _two_parcels_one_number(runtime)
    _mallorys_in_transit(runtime)
    merchant_settings(runtime, verification={"add_delivery_note": "sender_number"})
    shown = talk(runtime, MALLORY, f"where is {NUMBER}")
    assert "Garden gnome" in shown and "Diamond necklace" not in shown, shown
    for text in ("please add a note: knock loudly", "yes"):
        talk(runtime, MALLORY, text)
    assert "note" in _instructions(runtime, "royal_mail")
    assert "note" not in _instructions(runtime, "dpd")


def test_the_code_goes_to_the_proved_parcels_phone_and_opens_that_parcel_only(client, runtime, demo):
    _two_parcels_one_number(runtime)
    _mallorys_in_transit(runtime)
    merchant_settings(runtime, verification={"add_delivery_note": "code"})
    for text in (f"where is {NUMBER}", "SW1A 1AA", "please add a note: knock loudly", "yes"):
        rest(client, "mallory-web", text)
    assert codes_sent_to(runtime, MALLORY) and not codes_sent_to(runtime, VICTORIA)
    rest(client, "mallory-web", latest_code(runtime, MALLORY))
    assert "note" in _instructions(runtime, "royal_mail")
    assert "note" not in _instructions(runtime, "dpd")


def test_the_console_shows_and_changes_the_proved_parcel_only(client, runtime, demo):
    _two_parcels_one_number(runtime)
    _mallorys_in_transit(runtime)
    for text in (f"where is {NUMBER}", "SW1A 1AA", "I want to talk to a person"):
        rest(client, "mallory-web", text)
    make_user(runtime)
    sign_in(client)
    headers = {"X-CSRFToken": page_token(client)}
    with runtime.sessions() as s:
        conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.address == "rest:mallory-web"))
    assert client.post(f"/api/v1/conversations/{conv_id}/takeover", headers=headers).status_code == 200
    parcels = client.get(f"/api/v1/conversations/{conv_id}").get_json()["parcels"]
    assert [p["tracking_number"] for p in parcels] == [NUMBER], parcels
    assert "Diamond necklace" not in str(parcels) and "LS1" not in str(parcels), parcels
    body = {"tracking_number": NUMBER, "action": "leave_in_safe_place", "params": {"safe_place": "porch"}}
    done = client.post(f"/api/v1/conversations/{conv_id}/actions", headers=headers, json=body)
    assert done.status_code == 200 and done.get_json()["status"] == "accepted", done.get_json()
    assert "safe_place" in _instructions(runtime, "royal_mail")
    assert "safe_place" not in _instructions(runtime, "dpd")


def test_a_paid_change_lands_on_the_parcel_that_was_proved_and_paid_for(client, runtime, demo):
    from tests.payments.kit import EVERY_DAY, pay_link, set_merchant

    _two_parcels_one_number(runtime)
    _mallorys_in_transit(runtime)
    set_merchant(runtime, rules=EVERY_DAY)
    for text in ("I need to reschedule", "3", "yes"):
        talk(runtime, MALLORY, text)
    link = pay_link(talk(runtime, MALLORY, latest_code(runtime, MALLORY)))
    assert client.post(link[link.index("/pay/"):], data={"choice": "pay"}).status_code == 303
    assert "reschedule" in str(_instructions(runtime, "royal_mail")), _instructions(runtime, "royal_mail")
    assert "reschedule" not in str(_instructions(runtime, "dpd")), _instructions(runtime, "dpd")
