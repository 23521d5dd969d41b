"""A security probe's findings: outbox dedupe keys ("notify:{tracking}:delivered") and conversation-action
idempotency keys were unique across every merchant, though tracking numbers are only unique per merchant and an
idempotency key may come from the merchant's own system. Merchant A's notification stood in for merchant B's (B's
shopper never texted), A's photo rewrote B's held text or landed in B's conversation, and B was handed A's change.
Keys are now unique per merchant (migration 0007) and every lookup by key is the merchant's own.
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.merchant_config import DEFAULT_QUIET_HOURS
from tests.api.support import api_key, auth, event, image_bytes, interpreter, shipment  # noqa: F401 - fixtures
from tests.races.test_tracking_numbers_per_merchant import _other_merchant
from tests.test_notifications import DAYTIME, LATE_EVENING, Y, clock  # noqa: F401 - fixture

TRACKING = "ZZ900000001GB"
A_PHONE, B_PHONE = "+447700900111", "+447700900222"  # each merchant's own shopper


def _both(runtime, client, auth, *, quiet: bool,  # noqa: ANN001, F811
          numbers: tuple[str, str] = (TRACKING, TRACKING)) -> dict[str, dict[str, str]]:
    """Merchant A (demo) and B (other), each with its own parcel (by default under the same tracking number)."""
    headers = {"A": auth, "B": _other_merchant(runtime)}
    with transaction(runtime.sessions) as session:
        for merchant in session.scalars(select(m.Merchant)):
            merchant.settings = {**(merchant.settings or {}), "quiet_hours": DEFAULT_QUIET_HOURS if quiet else None}
    eta = {"start": f"{Y}-11-24T12:00:00+00:00", "end": f"{Y}-11-24T16:00:00+00:00"}
    for who, phone, tracking in (("A", A_PHONE, numbers[0]), ("B", B_PHONE, numbers[1])):
        body = shipment(tracking, eta=eta, recipient={"name": f"Shopper {who}", "phone": phone, "email": None})
        assert client.post("/api/v1/shipments", json=body, headers=headers[who]).status_code == 201
    return headers


def _event(client, headers, status, when, event_id, tracking=TRACKING):  # noqa: ANN001, ANN201
    body = {**event(status, 0, now=when), "event_id": event_id}
    response = client.post(f"/api/v1/shipments/{tracking}/events", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _photo(client, headers) -> None:  # noqa: ANN001
    response = client.post(f"/api/v1/shipments/{TRACKING}/proof-of-delivery", headers=headers,
                           content_type="multipart/form-data",
                           data={"photos": [(io.BytesIO(image_bytes()), "porch.png")]})
    assert response.status_code in (200, 201), response.get_json()


def _outbox(client, headers, phone: str) -> list[dict]:  # noqa: ANN001
    """What the merchant's own API shows it sent to its shopper."""
    response = client.get(f"/api/v1/outbox?to={phone.replace('+', '%2B')}", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def _texts(runtime, slug: str) -> list[m.Message]:  # noqa: ANN001
    with runtime.sessions() as session:
        return list(session.scalars(select(m.Message).join(m.Merchant, m.Merchant.id == m.Message.merchant_id)
                                    .where(m.Merchant.slug == slug, m.Message.direction == "out")
                                    .order_by(m.Message.id)))


def test_the_same_event_on_the_same_number_texts_each_merchants_shopper(runtime, client, auth, clock):  # noqa: F811
    headers = _both(runtime, client, auth, quiet=False)
    first = _event(client, headers["A"], "in_transit", DAYTIME - timedelta(minutes=5), "e1")
    second = _event(client, headers["B"], "in_transit", DAYTIME - timedelta(minutes=5), "e1")
    assert first["notification_queued"] is True
    assert second["notification_queued"] is True  # B learns nothing of A's number, and its shopper is texted
    a_texts, b_texts = _outbox(client, headers["A"], A_PHONE), _outbox(client, headers["B"], B_PHONE)
    assert len(a_texts) == 1 and a_texts[0]["body"].startswith("Acme Outdoor:")
    assert len(b_texts) == 1 and "on the way" in b_texts[0]["body"] and "Acme" not in b_texts[0]["body"]
    assert [msg.recipient for msg in _texts(runtime, "other")] == [B_PHONE]


def test_a_held_text_is_never_superseded_by_another_merchants_parcel(runtime, client, auth, clock):  # noqa: F811
    clock(LATE_EVENING)
    headers = _both(runtime, client, auth, quiet=True)
    _event(client, headers["B"], "out_for_delivery", LATE_EVENING - timedelta(minutes=40), "b-ofd")
    _event(client, headers["A"], "delivered", LATE_EVENING - timedelta(minutes=30), "a-delivered")
    [b_out] = _texts(runtime, "other")
    assert b_out.status == "queued"  # A's parcel arriving says nothing about B's, still on its way
    assert [msg.status for msg in _texts(runtime, "demo")] == ["queued"]


def test_a_photo_never_rewrites_another_merchants_held_text(runtime, client, auth, clock):  # noqa: F811
    clock(LATE_EVENING)
    headers = _both(runtime, client, auth, quiet=True)
    _event(client, headers["B"], "delivered", LATE_EVENING - timedelta(minutes=20), "e2")
    [b_held] = _texts(runtime, "other")
    answer = _event(client, headers["A"], "delivered", LATE_EVENING - timedelta(minutes=10), "e2")
    _photo(client, headers["A"])
    [b_now] = _texts(runtime, "other")
    assert (b_now.body, b_now.media_urls, b_now.status) == (b_held.body, [], "queued")
    assert "Acme" not in b_now.body and "/pod/" not in b_now.body
    assert answer["notification_queued"] is True
    [a_delivered] = _texts(runtime, "demo")  # A's own held text carries A's photo
    assert a_delivered.status == "queued" and a_delivered.recipient == A_PHONE and len(a_delivered.media_urls) == 1
    assert a_delivered.body.startswith("Acme Outdoor:") and a_delivered.media_urls[0] in a_delivered.body


def test_a_photo_is_filed_in_its_own_merchants_conversation_only(runtime, client, auth, clock):  # noqa: F811
    headers = _both(runtime, client, auth, quiet=False)
    _event(client, headers["B"], "delivered", DAYTIME - timedelta(minutes=20), "e3")
    _event(client, headers["A"], "delivered", DAYTIME - timedelta(minutes=10), "e3")
    _photo(client, headers["A"])
    with runtime.sessions() as session:
        convs = {c.merchant.slug: c.id for c in session.scalars(select(m.Conversation))}
    b_view = client.get(f"/api/v1/conversations/{convs['other']}", headers=headers["B"]).get_json()
    assert [msg["body"] for msg in b_view["messages"] if "/pod/" in msg["body"] or "Acme" in msg["body"]] == []
    assert {msg.conversation_id for msg in _texts(runtime, "other")} == {convs["other"]}
    a_texts = _texts(runtime, "demo")
    assert {msg.conversation_id for msg in a_texts} == {convs["demo"]}
    assert {msg.recipient for msg in a_texts} == {A_PHONE} and any("/pod/" in msg.body for msg in a_texts)
    a_view = client.get(f"/api/v1/conversations/{convs['demo']}", headers=headers["A"]).get_json()
    assert any("/pod/" in msg["body"] for msg in a_view["messages"])


def test_an_idempotency_key_is_the_merchants_own(runtime, client, auth, clock):  # noqa: F811
    """Each merchant's own parcel, under its own number: the key alone is what they share."""
    numbers = {"A": "ZZ900000002GB", "B": "ZZ900000003GB"}
    headers = _both(runtime, client, auth, quiet=False, numbers=(numbers["A"], numbers["B"]))
    for who in ("A", "B"):  # the shipped text opens each shopper's conversation
        _event(client, headers[who], "in_transit", DAYTIME - timedelta(minutes=5), f"{who}-e1", numbers[who])
    with runtime.sessions() as session:
        convs = {c.merchant.slug: c.id for c in session.scalars(select(m.Conversation))}
    answers = {}
    for who, slug, place in (("A", "demo", "behind the bins"), ("B", "other", "in the porch")):
        url = f"/api/v1/conversations/{convs[slug]}"
        assert client.post(f"{url}/takeover", headers=headers[who]).status_code == 200
        body = {"tracking_number": numbers[who], "action": "leave_in_safe_place", "params": {"safe_place": place},
                "idempotency_key": "ticket-43"}
        answers[who] = client.post(f"{url}/actions", json=body, headers=headers[who])
        assert answers[who].status_code == 200, answers[who].get_json()
    assert answers["A"].get_json()["reference"] != answers["B"].get_json()["reference"]
    with runtime.sessions() as session:
        rows = session.execute(select(m.Merchant.slug, m.Shipment.instructions)
                               .join(m.Merchant, m.Merchant.id == m.Shipment.merchant_id)
                               .where(m.Shipment.tracking_number.in_(numbers.values()))).all()
        changes = session.execute(select(m.Merchant.slug, m.DeliveryChange.reference)
                                  .join(m.Merchant, m.Merchant.id == m.DeliveryChange.merchant_id)
                                  .where(m.DeliveryChange.idempotency_key == "ticket-43")).all()
    places = {slug: instructions.get("safe_place") for slug, instructions in rows}
    assert places == {"demo": "behind the bins", "other": "in the porch"}  # each change applied to its own parcel
    assert dict(changes) == {"demo": answers["A"].get_json()["reference"],
                             "other": answers["B"].get_json()["reference"]}
    # and asking again with the key still answers each merchant with its own change
    again = client.post(f"/api/v1/conversations/{convs['other']}/actions", headers=headers["B"],
                        json={"tracking_number": numbers["B"], "action": "leave_in_safe_place",
                              "params": {"safe_place": "in the porch"}, "idempotency_key": "ticket-43"})
    assert again.get_json()["reference"] == answers["B"].get_json()["reference"]
