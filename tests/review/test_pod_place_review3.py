"""Review 3: "Addresses are always masked" (README, Security) - the chat masks the delivery address even for the
recipient ("12 ***, M1 ***"), and the tracking page keeps a carrier's place to town level (backend/masking.py).
A proof of delivery's place, and a carrier's words on its delivered event, are shown in the chat as sent."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from tests.security.security_kit import POSTCODE, rest

DELIVERED = "PB100000003GB"  # delivered yesterday, with a photo, to 12 Acacia Avenue, M1 4BT


def _pod_place(runtime, place: str) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == DELIVERED))
        pod = s.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
        pod.place = place


def _delivered_event_says(runtime, description: str) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == DELIVERED))
        event = next(e for e in reversed(row.events) if e.status == "delivered")
        event.description = description
        pod = s.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
        pod.place = None


def _web_chat_pod(client) -> str:  # noqa: ANN001
    rest(client, "web-prover", f"can I see the delivery photo for {DELIVERED}")
    return rest(client, "web-prover", POSTCODE)  # the number and postcode: all a web chat ever proves


def test_a_proof_of_deliverys_place_is_masked_like_the_address(client, runtime, demo):
    _pod_place(runtime, "Front porch, 12 Acacia Avenue, Manchester M1 4BT")
    reply = _web_chat_pod(client)
    assert "porch" in reply.lower(), reply  # the proof is shown (the number and postcode matched)
    assert "Acacia" not in reply and "4BT" not in reply, reply


def test_a_carriers_delivered_words_are_masked_like_the_address(client, runtime, demo):
    _delivered_event_says(runtime, "Delivered - left with neighbour at 14 Acacia Avenue, M1 4BT")
    reply = _web_chat_pod(client)
    assert "neighbour" in reply.lower(), reply
    assert "Acacia" not in reply and "4BT" not in reply, reply
