"""Proof of delivery: a signed, expiring photo link (never the storage key), only after identification."""

from __future__ import annotations

import pytest
from aftersales_kit import DELIVERED, OWN_DELIVERED, STRANGER, edit_pod, edit_shipment, talk, text_of

from bot.core.links import PHOTO_MAX_AGE, InvalidLink, LinkSigner
from tests.conftest import PUBLIC_URL


def _photo_urls(replies) -> list[str]:  # noqa: ANN001
    return [u for r in replies for u in r.media_urls]


def test_photo_is_a_signed_link_in_media_and_text(runtime, demo):
    replies = talk(runtime, OWN_DELIVERED, "can you send me the delivery photo")
    [url] = _photo_urls(replies)
    text = text_of(replies)
    assert url in text and url.startswith(f"{PUBLIC_URL}/pod/")
    assert "demo/porch.png" not in text  # the storage key never leaves
    signer = LinkSigner(runtime.settings.secret_key, PUBLIC_URL)
    token = url.rsplit("/pod/", 1)[1]
    assert signer.load("photo", token, PHOTO_MAX_AGE) == {"m": "demo", "t": DELIVERED, "k": "demo/porch.png",
                                                          "c": "reference"}  # the parcel: number and carrier
    with pytest.raises(InvalidLink):
        signer.load("photo", token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], PHOTO_MAX_AGE)
    assert "Front porch" in text and "yesterday" in text


def test_signature_name_and_no_photo_wording(runtime, demo):
    edit_pod(runtime, DELIVERED, photos=[], signature_name="S. Taylor")
    replies = talk(runtime, OWN_DELIVERED, "who signed for it")
    text = text_of(replies)
    assert "S. Taylor" in text and "didn't take a photo" in text
    assert _photo_urls(replies) == [] and "/pod/" not in text


def _describe_delivery(runtime, tracking: str, description: str) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from backend import models as m
    from backend.db import transaction

    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == tracking))
        for event in s.scalars(select(m.TrackingEvent).where(m.TrackingEvent.shipment_id == row.id,
                                                            m.TrackingEvent.status == "delivered")):
            event.description = description


def test_no_proof_on_record_says_so(runtime, demo):
    edit_pod(runtime, DELIVERED, delete=True)
    _describe_delivery(runtime, DELIVERED, "Delivered")  # says nothing about where
    text = text_of(talk(runtime, OWN_DELIVERED, "proof of delivery"))
    assert "hasn't sent us a photo" in text and "AGENT" in text


def test_no_proof_record_but_the_carrier_said_where_it_was_left(runtime, demo):
    edit_pod(runtime, DELIVERED, delete=True)
    _describe_delivery(runtime, DELIVERED, "Left with neighbour at number 5")
    text = text_of(talk(runtime, OWN_DELIVERED, "where did the driver leave it"))
    assert "Left with neighbour at number 5" in text and "didn't send a photo" in text
    assert "hasn't sent us a photo, signature or place" not in text


def test_a_stranger_sees_nothing_until_the_postcode_matches(runtime, demo):
    first = talk(runtime, STRANGER, f"proof of delivery for {DELIVERED}")
    wrong = talk(runtime, STRANGER, "SW1A 1AA")
    for replies in (first, wrong):
        assert _photo_urls(replies) == []
        assert "/pod/" not in text_of(replies) and "porch" not in text_of(replies).lower()
    talk(runtime, STRANGER, f"proof of delivery for {DELIVERED}")
    right = talk(runtime, STRANGER, "M1 4BT")
    assert len(_photo_urls(right)) == 1


def test_photo_keyword_alone_reaches_the_journey(runtime, demo):
    assert len(_photo_urls(talk(runtime, OWN_DELIVERED, "PHOTO"))) == 1


def test_of_several_parcels_the_delivered_one_is_meant(runtime, demo):
    edit_shipment(runtime, "PB100000005GB", status="delivered")
    text = text_of(talk(runtime, "+447700900654", "proof of delivery"))
    assert "Which one" not in text and "PB100000005GB" in text


def test_the_photo_asked_for_again_is_sent_again(runtime, demo):
    """Only a request queued beside the report that showed it is not answered twice (kit/told.py): a shopper who
    asks for the photo again gets it again."""
    talk(runtime, OWN_DELIVERED, "it says delivered but its not here")
    assert _photo_urls(talk(runtime, OWN_DELIVERED, "can i see the photo again"))
