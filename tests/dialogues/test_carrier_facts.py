"""The carrier's facts are used: a delivered event's description ("Left with neighbour at number 5") answers
"where was it left" when no proof record came, in the status, the proof and the missing-parcel replies; money
reads £3.50 / $3.50 / €3.50 (else the code), in GSM-7."""

from __future__ import annotations

import pytest
from aftersales_kit import talk, text_of

from bot.core.sms import not_gsm7
from dialogues.kit.formatting import money
from tests.api.support import event, shipment

PHONE = "+447700900111"  # the API test shipment's recipient


@pytest.fixture
def auth(runtime, demo) -> dict[str, str]:  # noqa: ANN001
    from backend.db import transaction
    from bot.core.apikeys import create_key

    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        merchant.settings = {**(merchant.settings or {}), "quiet_hours": None}
        key, _ = create_key(session, merchant)
    return {"Authorization": f"Bearer {key}"}


def _delivered(client, auth, description: str) -> str:  # noqa: ANN001
    body = shipment(status="out_for_delivery")
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    tracking = body["tracking_number"]
    pushed = client.post(f"/api/v1/shipments/{tracking}/events", headers=auth,
                         json=event("delivered", 0, description=description))
    assert pushed.status_code == 201 and pushed.get_json()["status_changed"] is True
    return tracking


@pytest.mark.parametrize("question", ["where was it left", "who did u leave it with?", "PHOTO"])
def test_where_was_it_left_from_the_delivered_event(runtime, client, auth, question):
    _delivered(client, auth, "Left with neighbour at number 5")
    text = text_of(talk(runtime, PHONE, question))
    assert "Left with neighbour at number 5" in text, text
    assert "hasn't sent us a photo, signature or place" not in text


def test_the_status_of_a_delivered_parcel_says_where(runtime, client, auth):
    _delivered(client, auth, "Delivered, left in the blue recycling bin")
    text = text_of(talk(runtime, PHONE, "wheres my parcel"))
    assert "were delivered" in text and "Where they were left: Left in the blue recycling bin" in text, text


def test_missing_parcel_points_at_where_the_carrier_left_it(runtime, client, auth):
    _delivered(client, auth, "Left with neighbour at number 5")
    text = text_of(talk(runtime, PHONE, "it says delivered but its not here"))
    assert "Left with neighbour at number 5" in text and "Have you found it" in text, text
    assert "didn't send a photo or where it was left" not in text


@pytest.mark.parametrize("description", ["Delivered", "delivered", ""])
def test_a_description_that_says_nothing_more_is_not_a_place(runtime, client, auth, description):
    _delivered(client, auth, description)
    text = text_of(talk(runtime, PHONE, "where was it left"))
    assert "hasn't sent us a photo, signature or place" in text and "Where it was left" not in text


def test_a_stranger_learns_nothing_of_where_it_was_left(runtime, client, auth):
    tracking = _delivered(client, auth, "Left with neighbour at number 5")
    text = text_of(talk(runtime, "+447700900998", f"where was {tracking} left"))
    assert "number 5" not in text and "postcode" in text


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    ("3.50", "GBP", "£3.50"), ("3.5", "gbp", "£3.50"), ("12", "USD", "$12.00"), ("3.50", "EUR", "€3.50"),
    ("3.50", "CHF", "3.50 CHF"), ("2.00", None, "£2.00"),
])
def test_money_reads_with_its_symbol_and_is_gsm7(amount, currency, shown):
    assert money(amount, currency) == shown
    if currency and currency.upper() in ("GBP", "EUR", "USD"):
        assert not not_gsm7(shown)  # £ and € are GSM-7: no UCS-2 penalty


def test_a_new_note_says_which_note_it_replaces(runtime, demo):
    from aftersales_kit import latest_code

    own = "+447700900456"
    talk(runtime, own, "note for the driver: please ring twice")
    talk(runtime, own, "yes")
    assert "Done" in text_of(talk(runtime, own, latest_code(runtime, own)))
    ask = text_of(talk(runtime, own, "note for the driver: beware of the dog"))
    assert 'This replaces your note for the driver ("please ring twice")' in ask, ask


def test_the_same_instruction_again_replaces_nothing(runtime, demo):
    from aftersales_kit import latest_code

    own = "+447700900456"
    talk(runtime, own, "leave it with number 22 if im out")
    talk(runtime, own, "yes")
    talk(runtime, own, latest_code(runtime, own))
    again = text_of(talk(runtime, own, "leave it with number 22 if im out"))
    assert "Just to check" in again and "This replaces" not in again, again
