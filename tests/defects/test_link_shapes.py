"""Issue 16's review: a link signed with our key whose payload is not the expected shape gave a 500. Any
such link is refused as an invalid link (404 with a plain message), on the tracking page and the photo link."""

from __future__ import annotations

import pytest

ODD_PAYLOADS = [
    ["demo", "PB100000001GB"],  # a list
    "demo",  # a string
    17,  # a number
    None,
    {},  # nothing in it
    {"m": "demo"},  # a field missing
    {"m": 5, "t": "PB100000001GB", "k": "demo/porch.png"},  # a field of the wrong type
    {"m": ["demo"], "t": {"x": 1}, "k": 3},
    {"m": "", "t": "", "k": ""},  # empty
]


@pytest.mark.parametrize("payload", ODD_PAYLOADS, ids=repr)
@pytest.mark.parametrize(("purpose", "prefix"), [("track", "/t/"), ("photo", "/pod/")])
def test_a_signed_link_of_the_wrong_shape_is_a_404_not_a_500(runtime, demo, client, payload, purpose, prefix):
    token = runtime.links.sign(purpose, payload)
    response = client.get(prefix + token)
    assert response.status_code == 404
    assert b"Traceback" not in response.data


def test_a_well_formed_tracking_link_still_opens(runtime, demo, client):
    url = runtime.links.tracking_url("demo", "PB100000001GB")
    assert client.get(url.removeprefix(runtime.links.base_url)).status_code == 200
