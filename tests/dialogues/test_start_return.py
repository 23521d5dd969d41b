"""Starting a return: items by number / name / "both", a code before anything is booked, label and QR as links."""

from __future__ import annotations

import pytest
from aftersales_kit import (
    DELIVERED,
    OWN_DELIVERED,
    changes,
    edit_shipment,
    latest_code,
    shipment_row,
    talk,
    text_of,
)

from backend.reference import ReferenceBackend
from backend.types import ReturnInfo
from dialogues.kit.return_reasons import said

ITEMS = [
    {"sku": "SKU-SHOES", "name": "Trail running shoes", "quantity": 1},
    {"sku": "SKU-SOCKS", "name": "Wool socks", "quantity": 1},
    {"sku": "SKU-STOVE", "name": "Camping stove", "quantity": 1},
]


def _book(runtime, answer_items: str, engine=None) -> str:  # noqa: ANN001
    say = lambda text: text_of(talk(runtime, OWN_DELIVERED, text, engine=engine))  # noqa: E731
    assert "Which items" in say("start a return")
    assert "Why are you sending it back" in say(answer_items)
    assert "How would you like" in say("1")
    assert "Just to check" in say("1")
    assert "code" in say("yes")
    assert shipment_row(runtime, DELIVERED).instructions.get("return") is None  # nothing before the code
    return say(latest_code(runtime, OWN_DELIVERED))


def _returned(runtime) -> list[str]:  # noqa: ANN001
    return shipment_row(runtime, DELIVERED).instructions["return"]["items"]


def test_items_by_numbers(runtime, demo):
    edit_shipment(runtime, DELIVERED, items=ITEMS)
    assert "RTN-" in _book(runtime, "1 and 3")
    assert _returned(runtime) == ["SKU-SHOES", "SKU-STOVE"]


def test_items_by_name(runtime, demo):
    edit_shipment(runtime, DELIVERED, items=ITEMS)
    _book(runtime, "the socks")
    assert _returned(runtime) == ["SKU-SOCKS"]


def test_all_items(runtime, demo):
    edit_shipment(runtime, DELIVERED, items=ITEMS)
    _book(runtime, "all of them")
    assert _returned(runtime) == ["SKU-SHOES", "SKU-SOCKS", "SKU-STOVE"]


def test_both_of_two_items(runtime, demo):
    edit_shipment(runtime, DELIVERED, items=ITEMS[:2])
    _book(runtime, "both")
    assert _returned(runtime) == ["SKU-SHOES", "SKU-SOCKS"]


def test_an_unclear_item_answer_is_asked_again(runtime, demo):
    edit_shipment(runtime, DELIVERED, items=ITEMS)
    talk(runtime, OWN_DELIVERED, "start a return")
    again = text_of(talk(runtime, OWN_DELIVERED, "7"))
    assert "didn't catch" in again and "Which items" in again


class LabelBackend(ReferenceBackend):
    """A returns system that gives a PDF label and a PNG QR code."""

    def create_return(self, tracking_number, request, *, idempotency_key, context):  # noqa: ANN001, ANN201
        info = super().create_return(tracking_number, request, idempotency_key=idempotency_key, context=context)
        return ReturnInfo(info.reference, info.status, label_url="https://returns.example.com/l/abc.pdf",
                          qr_code_url="https://returns.example.com/q/abc.png?size=300",
                          drop_off_options=info.drop_off_options)


def test_label_and_qr_code_are_links_and_the_image_is_media(runtime, demo):
    engine = runtime.engine.replace(backends=lambda session, merchant, now: LabelBackend(session, merchant, now=now))
    talk(runtime, OWN_DELIVERED, "start a return", engine=engine)
    talk(runtime, OWN_DELIVERED, "1", engine=engine)
    talk(runtime, OWN_DELIVERED, "1", engine=engine)
    talk(runtime, OWN_DELIVERED, "yes", engine=engine)
    replies = talk(runtime, OWN_DELIVERED, latest_code(runtime, OWN_DELIVERED), engine=engine)
    text = text_of(replies)
    assert "https://returns.example.com/l/abc.pdf" in text and "https://returns.example.com/q/abc.png" in text
    assert [u for r in replies for u in r.media_urls] == ["https://returns.example.com/q/abc.png?size=300"]
    [change] = changes(runtime, "start_return")
    assert change.reference in text and change.status == "accepted"


@pytest.mark.parametrize(("text", "reason"), [
    ("i want to send it back, its too small", "doesnt_fit"),
    ("can I return these, they don't fit", "doesnt_fit"),
    ("it's not broken, just too big", "doesnt_fit"),
    ("how do i return this, it arrived broken", "faulty"),
    ("the zip broke after one day", "faulty"),
    ("it isn't working, can i send it back", "faulty"),
    ("how do I return this? it's not what I ordered", "not_as_described"),
    ("returning it - you sent the wrong color", "not_as_described"),
    ("return it pls, changed my mind", "changed_mind"),
    ("return pls, i dont want it anymore", "changed_mind"),
    ("i want to send it back", None),
    ("im broke lol can i return it", None),  # not the item
    ("not too small, just not keen", None),
    ("too small and it's broken", None),  # two reasons: asked
])
def test_a_return_reason_in_the_shoppers_words(text, reason):
    assert said(text) == reason
