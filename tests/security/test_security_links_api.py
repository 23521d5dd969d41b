"""Signed, expiring links for tracking pages and delivery photos; API keys that see only their own merchant."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from bot.core.links import PHOTO_MAX_AGE, TRACKING_MAX_AGE, LinkSigner
from tests.security.security_kit import OWN, STRANGER, talk

DELIVERED = "PB100000003GB"  # delivered, with a demo photo
DELIVERED_TO = "+447700900789"
OTHER_TRACKING = "PB200000001GB"


@pytest.fixture
def other(runtime, demo) -> m.Merchant:  # noqa: ANN001
    """A second merchant with one delivered parcel and a photo of its own."""
    with transaction(runtime.sessions) as s:
        merchant = m.Merchant(slug="other", name="Other Shop", sms_number="+441614960777", settings={})
        s.add(merchant)
        s.flush()
        row = m.Shipment(merchant_id=merchant.id, tracking_number=OTHER_TRACKING, order_number="900001",
                         recipient_phone="+447700900555", postcode="M1 4BT", status="delivered",
                         address_line1="1 Other Road", city="Manchester", items=[{"name": "Secret thing"}],
                         instructions={}, live={})
        s.add(row)
        s.flush()
        s.add(m.ProofOfDeliveryRecord(shipment_id=row.id, photos=["demo/other.png"],
                                      delivered_at=datetime.now(UTC)))
    return merchant


def _path(url: str, runtime: Any) -> str:  # noqa: ANN401
    return url.removeprefix(runtime.links.base_url)


def _aged(runtime, purpose: str, payload: dict, seconds: int) -> str:  # noqa: ANN001
    """A token made with the real key and purpose, `seconds` ago."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer = runtime.links._serializer(purpose)
    serializer.signer = Then
    return serializer.dumps(payload)


def _photo_url_from_the_bot(runtime) -> str:  # noqa: ANN001
    reply = talk(runtime, DELIVERED_TO, "can I see the delivery photo")
    return next(word for word in reply.split() if "/pod/" in word)


def test_the_photo_link_the_recipient_gets_works_and_a_tampered_one_does_not(client, runtime, demo):
    path = _path(_photo_url_from_the_bot(runtime), runtime)
    ok = client.get(path)
    assert ok.status_code == 200 and ok.mimetype.startswith("image/")
    assert ok.headers["Cache-Control"].startswith("private")
    token = path.removeprefix("/pod/")
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token + "x", "x" + token, "", "a.b.c"):
        assert client.get("/pod/" + forged).status_code == 404


def test_a_photo_link_expires_after_a_day(client, runtime, demo):
    payload = {"m": "demo", "t": DELIVERED, "k": _photo_key(runtime, DELIVERED)}
    assert client.get("/pod/" + _aged(runtime, "photo", payload, PHOTO_MAX_AGE - 60)).status_code == 200
    assert client.get("/pod/" + _aged(runtime, "photo", payload, PHOTO_MAX_AGE + 60)).status_code == 404


def test_a_tracking_link_expires(client, runtime, demo):
    payload = {"m": "demo", "t": DELIVERED}
    assert client.get("/t/" + _aged(runtime, "track", payload, TRACKING_MAX_AGE - 60)).status_code == 200
    assert client.get("/t/" + _aged(runtime, "track", payload, TRACKING_MAX_AGE + 60)).status_code == 404


def test_a_link_signed_with_another_key_or_for_another_purpose_is_refused(client, runtime, demo):
    foreign = LinkSigner("not-our-secret", runtime.links.base_url)
    assert client.get(_path(foreign.tracking_url("demo", DELIVERED), runtime)).status_code == 404
    key = _photo_key(runtime, DELIVERED)
    assert client.get(_path(foreign.photo_url("demo", DELIVERED, key), runtime)).status_code == 404
    # a photo token is not a tracking token, nor the other way round
    photo_token = runtime.links.sign("photo", {"m": "demo", "t": DELIVERED, "k": key})
    track_token = runtime.links.sign("track", {"m": "demo", "t": DELIVERED, "k": key})
    assert client.get("/t/" + photo_token).status_code == 404
    assert client.get("/pod/" + track_token).status_code == 404


def test_a_link_for_one_merchant_never_opens_another_merchants_parcel(client, runtime, other):
    links = runtime.links
    assert client.get(_path(links.tracking_url("other", OTHER_TRACKING), runtime)).status_code == 200
    assert client.get(_path(links.tracking_url("demo", OTHER_TRACKING), runtime)).status_code == 404
    assert client.get(_path(links.tracking_url("other", DELIVERED), runtime)).status_code == 404
    assert client.get(_path(links.photo_url("demo", OTHER_TRACKING, "demo/other.png"), runtime)).status_code == 404
    demo_key = _photo_key(runtime, DELIVERED)
    assert client.get(_path(links.photo_url("other", OTHER_TRACKING, demo_key), runtime)).status_code == 404
    assert client.get(_path(links.photo_url("demo", DELIVERED, "demo/other.png"), runtime)).status_code == 404


def test_the_tracking_page_shows_status_not_who_or_where(client, runtime, demo):
    page = client.get(_path(runtime.links.tracking_url("demo", "PB100000001GB"), runtime))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "PB100000001GB" in text
    assert "Acacia" not in text and "4BT" not in text and "+4477" not in text


def test_a_stranger_never_gets_a_photo_link(runtime, demo):
    reply = talk(runtime, STRANGER, f"show me the delivery photo for {DELIVERED}")
    assert "/pod/" not in reply


def test_another_merchants_shopper_cannot_reach_a_parcel_by_number_and_postcode(runtime, other):
    """The merchant is chosen by the number texted: the demo number never finds the other shop's parcel."""
    talk(runtime, STRANGER, f"where is {OTHER_TRACKING}")
    reply = talk(runtime, STRANGER, "M1 4BT")
    assert "Secret thing" not in reply and OTHER_TRACKING not in reply


# -- the integration API ----------------------------------------------------------------------------------
@pytest.fixture
def keys(runtime, other) -> dict[str, dict[str, str]]:  # noqa: ANN001
    made = {}
    with transaction(runtime.sessions) as s:
        for slug in ("demo", "other"):
            merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == slug))
            key, _ = create_key(s, merchant)
            made[slug] = {"Authorization": f"Bearer {key}"}
    return made


def test_a_key_cannot_read_or_write_another_merchants_shipment(client, runtime, keys):
    mine, theirs = keys["other"], keys["demo"]
    assert client.get(f"/api/v1/shipments/{OTHER_TRACKING}", headers=mine).status_code == 200
    for tracking in ("PB100000001GB", "pb100000001gb", "PB100000001GB "):
        assert client.get(f"/api/v1/shipments/{tracking}", headers=mine).status_code == 404
    # NUL is refused before anything is looked up (bot/web/nul_guard.py): it tells nobody whether a parcel exists
    assert client.get("/api/v1/shipments/PB100000001GB%00", headers=mine).status_code == 400
    event = {"event_id": "e-1", "status": "delivered", "occurred_at": datetime.now(UTC).isoformat()}
    assert client.post("/api/v1/shipments/PB100000001GB/events", json=event, headers=mine).status_code == 404
    photo = io.BytesIO(_png())
    pod = client.post("/api/v1/shipments/PB100000001GB/proof-of-delivery", headers=mine,
                      data={"photos": (photo, "p.png")}, content_type="multipart/form-data")
    assert pod.status_code == 404
    assert client.get(f"/api/v1/shipments/{OTHER_TRACKING}", headers=theirs).status_code == 404
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == "PB100000001GB"))
        assert row.status == "in_transit" and "e-1" not in [e.event_id for e in row.events]


def test_a_key_cannot_take_over_another_merchants_tracking_number(client, runtime, keys):
    body = {"tracking_number": "PB100000001GB", "recipient": {"name": "Mallory", "phone": "+447700900666"},
            "address": {"line1": "1 Evil St", "city": "London", "postcode": "E1 6AN", "country": "GB"}}
    response = client.post("/api/v1/shipments", json=body, headers=keys["other"])
    # Tracking numbers are unique per merchant (migration 0005): the other merchant gets its own parcel, as
    # for any new number (a 409 would tell it the number is in use), and the demo merchant's is untouched.
    assert response.status_code == 201
    with runtime.sessions() as s:
        rows = s.scalars(select(m.Shipment).where(m.Shipment.tracking_number == "PB100000001GB")).all()
        demo_row = next(r for r in rows if r.merchant.slug == "demo")
        assert demo_row.recipient_phone == OWN and demo_row.postcode == "M1 4BT"
        assert {r.merchant.slug for r in rows} == {"demo", "other"} and len(rows) == 2


def test_a_key_reads_only_its_own_merchants_outbox(client, runtime, keys):
    talk(runtime, OWN, "add a note for the driver: ring twice")
    talk(runtime, OWN, "yes")
    own = client.get("/api/v1/outbox?to=%2B447700900123", headers=keys["demo"]).get_json()
    assert own and all(msg["to"] == OWN for msg in own)
    assert client.get("/api/v1/outbox?to=%2B447700900123", headers=keys["other"]).get_json() == []


def _photo_key(runtime, tracking: str) -> str:  # noqa: ANN001
    with runtime.sessions() as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        pod = s.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
        return pod.photos[0]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("bad", ["a\u0000b", "\ud800", "x\udfff"])
def test_unstorable_text_in_the_api_is_a_422_not_a_500(client, runtime, keys, bad):
    body = {"tracking_number": "PB300000001GB", "recipient": {"name": bad, "phone": "+447700900444"},
            "address": {"line1": "1 Road", "city": "Manchester", "postcode": "M1 4BT", "country": "GB"}}
    response = client.post("/api/v1/shipments", json=body, headers=keys["demo"])
    assert response.status_code in (400, 422) and response.is_json
    event = {"event_id": "e-" + bad, "status": "in_transit", "occurred_at": datetime.now(UTC).isoformat(),
             "description": bad}
    response = client.post("/api/v1/shipments/PB100000001GB/events", json=event, headers=keys["demo"])
    assert response.status_code in (400, 422) and response.is_json
    if bad.isprintable() or "\u0000" in bad:  # a multipart form is bytes: it can carry a NUL, not a surrogate
        pod = client.post("/api/v1/shipments/PB100000003GB/proof-of-delivery", headers=keys["demo"],
                          data={"photos": (io.BytesIO(_png()), "p.png"), "place": bad},
                          content_type="multipart/form-data")
        assert pod.status_code in (400, 422) and pod.is_json
    # NUL in the path: refused up front (bot/web/nul_guard.py)
    assert client.get("/api/v1/shipments/PB100000001GB%00", headers=keys["demo"]).status_code == 400
    with runtime.sessions() as s:
        assert s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == "PB300000001GB")) is None


def test_every_api_route_but_the_openapi_document_needs_a_key(app, client, demo):
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) >= 5
    for rule, method in routes:
        path = rule.rule.replace("<tracking>", "PB100000001GB").replace("<int:conv_id>", "1")
        response = client.open(path, method=method, json={})
        if rule.endpoint == "api.openapi":
            assert response.status_code == 200
            continue
        assert response.status_code == 401, (method, path)
        assert "PB100000001GB" not in response.get_data(as_text=True).replace(path, "")
