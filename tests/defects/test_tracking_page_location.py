"""Issue 16's review: the tracking page showed a carrier event's `location` as it came - it can hold the
recipient's street and full postcode - while the chat masks addresses. Anyone holding the link sees only
town-level places now (backend/masking.py public_place)."""

from __future__ import annotations

import pytest

from backend.masking import public_place
from tests.api.support import event, shipment

STREETS = [
    ("23 Chorlton Road, Manchester M15 4AJ", "Manchester M15", ["23 Chorlton", "4AJ"]),
    ("Flat 4, 12 High St, Salford, M5 4WT", "Salford, M5", ["Flat 4", "High St", "4WT"]),
    ("123 Main St, Springfield, IL 62704", "Springfield, IL", ["Main St", "62704"]),
    ("16 Oak Lane", "", ["Oak Lane"]),
]


@pytest.mark.parametrize(("location", "shown", "hidden"), STREETS)
def test_the_tracking_page_shows_a_carriers_location_at_town_level(runtime, client, auth, location, shown, hidden):
    body = shipment()
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    posted = client.post(f"/api/v1/shipments/{body['tracking_number']}/events", headers=auth,
                         json=event("out_for_delivery", 5, location=location))
    assert posted.status_code in (200, 201)
    url = runtime.links.tracking_url("demo", body["tracking_number"]).removeprefix(runtime.links.base_url)
    page = client.get(url).get_data(as_text=True)
    for secret in hidden:
        assert secret not in page
    if shown:
        assert f"({shown})" in page


@pytest.mark.parametrize("place", ["Manchester Hub", "London SW1A", "Salford, M5", "Springfield, IL"])
def test_known_coarse_places_stay_as_they_are(place):
    assert public_place(place) == place


def test_a_district_the_table_does_not_know_goes_like_a_street_would():
    # "Trafford Park" has the shape of "Acacia Park": only what is known to be coarse is shown.
    assert public_place("Trafford Park, Manchester") == "Manchester"
