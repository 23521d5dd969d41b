"""Review 3: a proof is kept per tracking NUMBER, but one merchant may hold two parcels under one number
(two carriers: uq_shipment_merchant_tracking_carrier), each for a different person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from tests.security.security_kit import rest

NUMBER = "PB200000001GB"


def _two_parcels_one_number(runtime) -> None:  # noqa: ANN001
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        # The attacker's own, older parcel: they know its number and their postcode.
        s.add(m.Shipment(merchant_id=merchant.id, tracking_number=NUMBER, carrier="royal_mail",
                         recipient_name="Mallory", recipient_phone="+447700900555", address_line1="9 Elm Road",
                         city="London", postcode="SW1A 1AA", status="delivered", items=[{"name": "Garden gnome"}],
                         created_at=now - timedelta(days=30)))
        # Someone else's newer parcel that another carrier gave the same number.
        s.add(m.Shipment(merchant_id=merchant.id, tracking_number=NUMBER, carrier="dpd",
                         recipient_name="Victoria", recipient_phone="+447700900444", address_line1="7 Rose Lane",
                         city="Leeds", postcode="LS1 4AP", status="in_transit", items=[{"name": "Diamond necklace"}],
                         eta_start=now + timedelta(days=1), eta_end=now + timedelta(days=1, hours=4),
                         created_at=now - timedelta(days=1)))


def test_proving_your_own_parcel_does_not_show_anothers_with_the_same_number(client, runtime, demo):
    _two_parcels_one_number(runtime)
    rest(client, "mallory-web", f"where is {NUMBER}")
    reply = rest(client, "mallory-web", "SW1A 1AA")
    assert "Garden gnome" in reply or NUMBER in reply, reply  # proved: their own parcel is shown
    assert "Diamond necklace" not in reply and "LS1" not in reply, reply


def test_a_tracking_link_shows_the_parcel_it_was_issued_for(client, runtime, demo):
    _two_parcels_one_number(runtime)
    with runtime.sessions() as s:
        mallory = s.scalar(select(m.Shipment).where(m.Shipment.carrier == "royal_mail",
                                                    m.Shipment.tracking_number == NUMBER))
        assert mallory.status == "delivered"
    # As texted to Mallory about her own (delivered) parcel: a link names the parcel's carrier with its number.
    link = runtime.links.tracking_url("demo", NUMBER, mallory.carrier)
    page = client.get(link[link.index("/t/"):]).get_data(as_text=True)
    assert "delivered" in page.lower(), page  # her parcel's status...
    assert "in transit" not in page.lower() and "Expected" not in page, page  # ...not Victoria's
    # A link that doesn't say which of the two (made before links named carriers) opens neither.
    legacy = runtime.links.tracking_url("demo", NUMBER)
    assert client.get(legacy[legacy.index("/t/"):]).status_code == 404


def test_a_change_after_proving_one_parcel_never_lands_on_another_with_the_same_number(client, runtime, demo):
    from tests.security.security_kit import merchant_settings

    _two_parcels_one_number(runtime)
    with transaction(runtime.sessions) as s:
        mine = s.scalar(select(m.Shipment).where(m.Shipment.carrier == "royal_mail"))
        mine.status, now = "in_transit", datetime.now(UTC)
        mine.eta_start, mine.eta_end = now + timedelta(days=2), now + timedelta(days=2, hours=3)
    merchant_settings(runtime, verification={"add_delivery_note": "none"})
    for text in (f"where is {NUMBER}", "SW1A 1AA", "please add a note: knock loudly", "yes"):
        rest(client, "mallory-web", text)
    with runtime.sessions() as s:
        victoria = s.scalar(select(m.Shipment).where(m.Shipment.carrier == "dpd"))
        assert "note" not in (victoria.instructions or {}), victoria.instructions
