"""Cancelling an order: nothing happens before the recipient's code, it happens once, strangers learn nothing."""

from __future__ import annotations

from aftersales_kit import audits, changes, latest_code, merchant_settings, shipment_row, talk, text_of

TWO_PARCELS = "+447700900654"  # PB100000006GB (order 100236) is still in the warehouse


def test_nothing_is_cancelled_until_the_recipients_code_then_once_with_audit(runtime, demo):
    talk(runtime, TWO_PARCELS, "please cancel order 100236")
    asked = text_of(talk(runtime, TWO_PARCELS, "yes"))
    assert "code" in asked
    assert shipment_row(runtime, "PB100000006GB").status == "label_created"
    assert changes(runtime, "cancel_order") == []

    done = text_of(talk(runtime, TWO_PARCELS, latest_code(runtime, TWO_PARCELS)))
    [change] = changes(runtime, "cancel_order")
    assert change.status == "accepted" and change.reference in done
    assert change.idempotency_key.startswith("cxl-") and change.verified_by == "otp"
    assert shipment_row(runtime, "PB100000006GB").status == "returned_to_sender"
    [entry] = audits(runtime, "cancel_order")
    assert (entry.subject, entry.verification, entry.reference) == ("PB100000006GB", "otp", change.reference)


def test_a_retried_webhook_with_the_code_cancels_once(runtime, demo):
    talk(runtime, TWO_PARCELS, "please cancel order 100236")
    talk(runtime, TWO_PARCELS, "yes")
    code = latest_code(runtime, TWO_PARCELS)
    first = talk(runtime, TWO_PARCELS, code, sid="SMretried0000000000000000000000001")
    again = talk(runtime, TWO_PARCELS, code, sid="SMretried0000000000000000000000001")
    assert [r.text for r in again] == [r.text for r in first]
    assert len(changes(runtime, "cancel_order")) == 1


def test_the_code_goes_to_the_recipient_not_to_whoever_asks(runtime, demo):
    stranger = "+447700900999"
    talk(runtime, stranger, "please cancel order 100236")
    talk(runtime, stranger, "M1 4BT")
    reply = text_of(talk(runtime, stranger, "yes"))
    assert "ending 654" in reply
    latest_code(runtime, TWO_PARCELS)  # texted to the parcel's recipient...
    try:
        latest_code(runtime, stranger)  # ...and never to the person asking
    except AssertionError:
        pass
    else:
        raise AssertionError("a code was texted to the stranger")


def test_a_stranger_cant_tell_a_real_order_from_a_made_up_one(runtime, demo):
    stranger = "+447700900999"
    real = text_of(talk(runtime, stranger, "please cancel order 100236"))
    talk(runtime, stranger, "never mind")
    made_up = text_of(talk(runtime, stranger, "please cancel order 999999"))
    assert real == made_up
    assert "Headtorch" not in real and "100236" not in real


def test_merchant_policy_for_cancel_order_is_honoured(runtime, demo):
    merchant_settings(runtime, verification={"cancel_order": "sender_number"})
    talk(runtime, TWO_PARCELS, "please cancel order 100236")
    done = text_of(talk(runtime, TWO_PARCELS, "yes"))
    assert "CXL-" in done and "code" not in done.lower()
    assert [c.verified_by for c in changes(runtime, "cancel_order")] == ["sender_number"]
