"""The probe's F5: the public tracking page (/t/<token>, anyone holding the link) showed street names and full
postcodes the chat masks ("3 ***, M1 ***"), in a carrier event's location and, word for word, its description.
Now both go through backend/masking.py: a place is kept only when it has a known coarse shape (post town,
depot, outward code, a US city before its state) and names none of the recipient's address words; a
description that says more than plain carrier wording is replaced by the status's own words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.masking import public_description, public_place
from backend.types import Address
from tests.api.support import event, shipment
from tests.fuzz.kit import fuzz

HOME = Address("3 Acacia Avenue", "Manchester", "M1 4BT")
BODY_ADDRESS = {"line1": "3 Acacia Avenue", "line2": None, "city": "Manchester", "postcode": "M1 4BT", "country": "GB"}
CARD_LEFT = "Card left at 3 Acacia Avenue, M1 4BT - parcel with neighbour at no. 5"


def _page(runtime, client, auth, events, address=BODY_ADDRESS) -> str:  # noqa: ANN001
    body = shipment(address=address)
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    for n, (status, location, description) in enumerate(events):
        posted = client.post(f"/api/v1/shipments/{body['tracking_number']}/events", headers=auth,
                             json=event(status, 30 - n, location=location, description=description))
        assert posted.status_code in (200, 201), posted.get_data(as_text=True)
    url = runtime.links.tracking_url("demo", body["tracking_number"]).removeprefix(runtime.links.base_url)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("location", "shown"), [
    ("Flat 3, Acacia Avenue, Manchester", "(Manchester)"),
    ("Acacia Avenue, M1 4BT", "(M1)"),
    ("Manchester M1-4BT", "(Manchester M1)"),
])
def test_the_page_shows_a_coarse_place_never_the_street_or_full_postcode(runtime, client, auth, location, shown):
    page = _page(runtime, client, auth, [("in_transit", location, "in transit")])
    assert shown in page
    assert "Acacia" not in page and "Flat" not in page and not re.search(r"4\s*-?\s*BT", page, re.IGNORECASE)


def test_a_description_with_the_address_in_it_is_worded_by_its_status(runtime, client, auth):
    page = _page(runtime, client, auth, [("in_transit", "Manchester Hub", "Arrived at Manchester Hub"),
                                         ("failed_attempt", "Manchester", CARD_LEFT)])
    assert "Arrived at Manchester Hub" in page  # plain carrier wording stays
    assert "Delivery attempted" in page  # the status's own words stand in for the rest
    for secret in ("Acacia", "4BT", "no. 5", "Card left at 3"):
        assert secret not in page


@pytest.mark.parametrize(("location", "shown"), [
    ("Twelve Acacia Avenue, Manchester", "Manchester"),
    ("Acacia Ave\nManchester M1 4BT", "Manchester M1"),
    ("Delivered to Acacia Avenue; Manchester M1 4BT", "Manchester M1"),
    ("Manchester m1 4bt", "Manchester M1"),
    ("Manchester M14BT", "Manchester M1"),
    ("Acacia House, Manchester Depot", "Manchester Depot"),
    ("Springfield, IL 62704-1234", "Springfield, IL"),
    ("742 Evergreen Terrace, Springfield IL 62704 1234", "Springfield IL"),
])
def test_public_place_keeps_only_the_coarse_part(location, shown):
    assert public_place(location, HOME) == shown


def test_a_part_naming_the_recipients_own_street_goes_even_in_a_depot_shape():
    home = Address("3 Bolton Road", "Manchester", "M1 4BT")
    assert public_place("Bolton Depot, Manchester", home) == "Manchester"
    assert public_description("Arrived at Bolton Depot", home) is None
    assert public_place("Bolton Depot, Manchester", HOME) == "Bolton Depot, Manchester"  # not their street
    assert public_place("Trafford Park Depot, Acacia Grove Hub") == ""  # a depot named after unknown places


@pytest.mark.parametrize("description", [
    CARD_LEFT, "Left at Acacia Avenue", "Delivered to 3 Acacia Ave", "Left at Manchester Way", "Signed for by SMITH",
    "Delivered to M1 4BT", "Held at depot, 62704", "Left with neighbour at no. 5",
])
def test_a_description_that_may_say_where_they_live_is_not_shown(description):
    assert public_description(description, HOME) is None


@pytest.mark.parametrize("description", [
    "Out for delivery", "Arrived at Manchester Hub", "Departed Newcastle upon Tyne sorting centre",
    "Parcel left with neighbour", "Held at depot: customs clearance", "Arrived at M1 delivery office",
])
def test_plain_carrier_wording_is_shown(description):
    assert public_description(description, HOME) == description


# -- the property: whatever the address and however the carrier spells it --------------------------------
STREET_WORDS = ["Acacia", "Chorlton", "Oak", "Bolton", "Manchester", "Victoria", "Mill", "High", "Church", "Bath",
                "Nelson", "Station", "Evergreen", "Kings", "Salford"]
SUFFIXES = ["Avenue", "Ave", "Road", "Rd", "Street", "St", "Lane", "Close", "Way", "Drive", "Crescent", "Terrace",
            "Grove", "Park", "Gardens"]
CITIES = ["Manchester", "Salford", "Stockport", "London", "Leeds", "Springfield", "Didsbury", "Bath"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@st.composite
def addresses(draw: st.DrawFn) -> dict[str, str]:
    street = " ".join(draw(st.lists(st.sampled_from(STREET_WORDS), min_size=1, max_size=2, unique=True)))
    street += " " + draw(st.sampled_from(SUFFIXES))
    number = draw(st.one_of(st.integers(1, 999).map(str), st.integers(1, 99).map(lambda n: f"{n}a"),
                            st.sampled_from(["Twelve", "Rose Cottage"])))
    flat = draw(st.one_of(st.just(""), st.integers(1, 40).map(lambda n: f"Flat {n}"),
                          st.integers(1, 9).map(lambda n: f"Apt {n}B")))
    if draw(st.booleans()):
        outward = draw(st.sampled_from(["M1", "M15", "SW1A", "LS2", "B33", "EC1V"]))
        letters = draw(st.lists(st.sampled_from(INWARD_LETTERS), min_size=2, max_size=2))
        inward = f"{draw(st.integers(0, 9))}{''.join(letters)}"
        spelled = draw(st.sampled_from(["{o} {i}", "{o}{i}", "{o}-{i}", "{o}  {i}"])).format(o=outward, i=inward)
        postcode = spelled.lower() if draw(st.booleans()) else spelled
        full, stored, country = outward + inward, f"{outward} {inward}", "GB"
    else:
        full = f"{draw(st.integers(10000, 99999))}"
        postcode = full + draw(st.sampled_from(["", f"-{draw(st.integers(1000, 9999))}",
                                                f" {draw(st.integers(1000, 9999))}"]))
        stored, country = postcode, "US"
    return {"number": number, "street": street, "flat": flat, "city": draw(st.sampled_from(CITIES)),
            "postcode": postcode, "full": full, "stored": stored, "country": country}


SHAPES = ["{number} {street}, {city} {postcode}", "{flat}, {number} {street}, {city}, {postcode}",
          "{street}\n{city} {postcode}", "Delivered to {street}; {city} {postcode}", "{city} {postcode}",
          "{number} {street}", "{street}, {postcode}", "{flat} {number} {street} {city}",
          "{street} Depot, {city}", "Card left at {number} {street}, {postcode} - with neighbour at no. 5",
          "Left at {street}", "{city} {street}", "{street} {city} {postcode}"]


def _leaks(shown: str, a: dict[str, str]) -> list[str]:
    """What of the recipient's street, house and postcode the shown text gives away."""
    words = set(re.findall(r"[a-z0-9]+", shown.lower()))
    compact = re.sub(r"[^A-Z0-9]", "", shown.upper())
    street_words = {w for w in a["street"].lower().split()} - set(a["city"].lower().split())
    leaks = [w for w in street_words if w in words and w not in {s.lower() for s in SUFFIXES}]
    leaks += [w for w in (a["street"], f"{a['number']} {a['street']}") if w.lower() in shown.lower()]
    leaks += [a["full"]] if a["full"].upper() in compact else []
    leaks += [a["number"]] if a["number"].lower() in words else []
    return leaks


@fuzz(examples=200)
@given(addresses(), st.sampled_from(SHAPES), st.booleans())
def test_no_generated_address_leaks_through_the_public_place_or_description(a, shape, known):
    home = Address(f"{a['number']} {a['street']}", a["city"], a["postcode"], line2=a["flat"] or None)
    text = " ".join(shape.format(**a).split(" ")).strip(", ")
    for shown in (public_place(text, home if known else None), public_description(text, home) or ""):
        assert _leaks(shown, a) == [], (text, shown)


@fuzz(examples=10)
@given(addresses(), st.sampled_from(SHAPES))
def test_no_generated_address_leaks_onto_the_rendered_page(runtime, client, auth, a, shape):
    text = shape.format(**a)
    address = {"line1": f"{a['number']} {a['street']}", "line2": a["flat"] or None, "city": a["city"],
               "postcode": a["stored"], "country": a["country"]}
    page = _page(runtime, client, auth, [("failed_attempt", text, text)], address=address)
    events = page[page.index('<ol id="events">'):]
    assert _leaks(events, a) == [], (text, events)
