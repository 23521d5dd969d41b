"""Where a parcel was left, as the chat shows it: the place words stay, a street and a postcode's inward part go.

backend/masking.py masked_place, used for a proof of delivery's place and the carrier's delivered words (in the
chat and in the delivered text): a review found both shown as sent ("Front porch, 12 Acacia Avenue, M1 4BT") to
whoever had proved only the number and postcode, where every other reply masks the address.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from backend.masking import masked_place
from backend.types import Address

HOME = Address(line1="12 Acacia Avenue", city="Manchester", postcode="M1 4BT")


@pytest.mark.parametrize(("said", "shown"), [
    ("Front porch, 12 Acacia Avenue, Manchester M1 4BT", "Front porch, 12 ***, Manchester M1 ***"),
    ("Left with neighbour at 14 Acacia Avenue, M1 4BT", "Left with neighbour at 14 ***, M1 ***"),
    ("Neighbour at 16 Oak Lane", "Neighbour at 16 ***"),  # a neighbour's street is a street too
    ("Left at reception, Flat 3, 52 Harbour View Road", "Left at reception, Flat 3, 52 ***"),
    ("Leave at 221B Baker Street", "Leave at 221B ***"),
    ("delivered to mailbox, 62704-1234", "delivered to mailbox, 62***"),  # a ZIP+4 keeps what masked_address does
    ("left with the acacia tree", "left with the *** tree"),  # the recipient's own address word, in any place
])
def test_a_street_and_a_postcode_are_masked(said: str, shown: str) -> None:
    assert masked_place(said, HOME) == shown


@pytest.mark.parametrize("said", [
    "Safe place: porch", "In the safe place", "left in the garden by the house", "behind the green bin",
    "Parcel box", "Left with Tom at number 5", "Handed to resident",
])
def test_where_it_was_left_is_kept_when_it_names_no_street(said: str) -> None:
    assert masked_place(said, HOME) == said


@given(before=st.text(max_size=30), after=st.text(max_size=30),
       street=st.sampled_from(["Acacia Avenue", "ACACIA AVENUE", "acacia avenue", "Acacia Ave"]),
       code=st.sampled_from(["M1 4BT", "m14bt", "M1-4BT", "M1  4BT"]))
def test_the_recipients_street_and_inward_code_never_show_whatever_surrounds_them(before, after, street, code):  # noqa: ANN001
    assume(not any(w in (before + after).lower() for w in ("acacia", "4bt", "4 bt")))
    shown = masked_place(f"{before} 12 {street}, {code} {after}", HOME).lower()
    assert "acacia" not in shown and "4bt" not in shown.replace(" ", "").replace("-", "")
