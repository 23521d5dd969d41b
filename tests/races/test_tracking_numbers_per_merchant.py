"""Issue 16's review: POST /api/v1/shipments told merchant A that merchant B uses a tracking number (409 where a
new number gets 201), and let A claim B's numbers first. Tracking numbers are unique per merchant and carrier
(migration 0005): each merchant has its own parcel under a number, and A's answer is the same whether or not
B uses it. Whatever else finds a parcel by its number (events, the access-code purge) stays inside the merchant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.jobs.purge_secrets import purge_delivered_secrets
from tests.api.support import api_key, auth, event, interpreter, new_tracking, shipment  # noqa: F401 - fixtures


def _other_merchant(runtime) -> dict[str, str]:  # noqa: ANN001
    from bot.core.apikeys import create_key

    with transaction(runtime.sessions) as session:
        other = m.Merchant(slug="other", name="Other Ltd", sms_number="+441614960099", settings={})
        session.add(other)
        session.flush()
        key, _ = create_key(session, other)
    return {"Authorization": f"Bearer {key}"}


def _rows(runtime, tracking: str) -> dict[str, m.Shipment]:  # noqa: ANN001
    with runtime.sessions() as s:
        rows = s.execute(select(m.Merchant.slug, m.Shipment).join(m.Merchant, m.Merchant.id == m.Shipment.merchant_id)
                         .where(m.Shipment.tracking_number == tracking)).all()
        return {slug: row for slug, row in rows}


def _answer(response) -> tuple[int, list[str]]:  # noqa: ANN001
    """What a caller learns from an answer: the status and the body's shape (not the number itself)."""
    return response.status_code, sorted(response.get_json())


def test_a_number_another_merchant_uses_gets_the_same_answer_as_a_new_one(runtime, client, auth):  # noqa: F811
    theirs = _other_merchant(runtime)
    used, unused = new_tracking(), new_tracking()
    assert client.post("/api/v1/shipments", json=shipment(used, order_number="B-1"), headers=theirs).status_code == 201
    on_used = client.post("/api/v1/shipments", json=shipment(used), headers=auth)
    on_unused = client.post("/api/v1/shipments", json=shipment(unused), headers=auth)
    assert _answer(on_used) == _answer(on_unused) == (201, _answer(on_unused)[1])
    rows = _rows(runtime, used)
    assert set(rows) == {"demo", "other"}  # each merchant has its own parcel under the number
    assert rows["other"].order_number == "B-1" and rows["demo"].order_number == "100234"


def test_claiming_a_number_first_does_not_lock_the_other_merchant_out(runtime, client, auth):  # noqa: F811
    theirs = _other_merchant(runtime)
    tracking = new_tracking()
    assert client.post("/api/v1/shipments", json=shipment(tracking), headers=auth).status_code == 201
    answer = client.post("/api/v1/shipments", json=shipment(tracking, order_number="B-2"), headers=theirs)
    assert answer.status_code == 201, answer.get_json()
    assert client.get(f"/api/v1/shipments/{tracking}", headers=theirs).get_json()["order_number"] == "B-2"
    assert client.get(f"/api/v1/shipments/{tracking}", headers=auth).get_json()["order_number"] == "100234"
    # and updating it again is an update of one's own parcel, never the other's
    again = client.post("/api/v1/shipments", json=shipment(tracking, order_number="B-3"), headers=theirs)
    assert again.status_code == 200
    assert {k: r.order_number for k, r in _rows(runtime, tracking).items()} == {"demo": "100234", "other": "B-3"}


def test_an_event_moves_only_the_callers_parcel(runtime, client, auth):  # noqa: F811
    theirs = _other_merchant(runtime)
    tracking = new_tracking()
    for headers in (auth, theirs):
        assert client.post("/api/v1/shipments", json=shipment(tracking, status="in_transit"),
                           headers=headers).status_code == 201
    answer = client.post(f"/api/v1/shipments/{tracking}/events", json=event("delivered"), headers=theirs)
    assert answer.status_code == 201
    rows = _rows(runtime, tracking)
    assert (rows["other"].status, rows["demo"].status) == ("delivered", "in_transit")


def test_one_merchants_delivered_parcel_does_not_purge_the_others_access_code(runtime, client, auth):  # noqa: F811
    theirs = _other_merchant(runtime)
    tracking = new_tracking()
    client.post("/api/v1/shipments", json=shipment(tracking, status="delivered"), headers=theirs)
    client.post("/api/v1/shipments", json=shipment(tracking, status="in_transit"), headers=auth)
    with transaction(runtime.sessions) as s:
        demo_id = s.scalar(select(m.Merchant.id).where(m.Merchant.slug == "demo"))
        row = s.scalar(select(m.Shipment).where(m.Shipment.merchant_id == demo_id,
                                                m.Shipment.tracking_number == tracking))
        row.instructions = {"note": "gate code", "access_code_enc": "sealed"}
        s.add(m.DeliveryChange(merchant_id=demo_id, tracking_number=tracking, action="add_delivery_note",
                               params={"note": "gate code", "access_code_enc": "sealed"}, idempotency_key="k-1",
                               status="accepted"))
    with transaction(runtime.sessions) as s:
        purge_delivered_secrets(s, datetime.now(UTC))
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.merchant_id == demo_id,
                                                m.Shipment.tracking_number == tracking))
        change = s.scalar(select(m.DeliveryChange).where(m.DeliveryChange.idempotency_key == "k-1"))
        assert row.instructions.get("access_code_enc") == "sealed"  # still on its way: the driver needs it
        assert change.params.get("access_code_enc") == "sealed"
