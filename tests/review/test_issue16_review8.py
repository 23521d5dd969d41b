"""Review 8 of issue 16 ("Scale, speed and staying up"): an independent reviewer's probes in other words than the
suite's, each defect found a test that failed on the code as it stood (xfail, strict, until mended)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import responses

from backend.serialize import shipment_to_json
from backend.types import ActionKind, Address, Shipment, ShipmentStatus
from bot.runtime import Runtime
from bot.web import create_app
from tests.api.support import api_key, auth, shipment  # noqa: F401 - fixtures
from tests.conftest import PUBLIC_URL
from tests.faults.kit import BASE, PARCEL, SHOPPER, acme_runtime, say

# -- a carrier that answers a read with 200 and JSON we can't read --------------------------------------------
_PARCEL_JSON = shipment_to_json(Shipment(PARCEL, "A-1", "http", "acme", "Sam", SHOPPER, None,
                                         Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))
# Each a 200 a proxy, a half-finished carrier release or a wrong endpoint could answer; none is a parcel we can show.
UNREADABLE = {
    "a list, not an object": [_PARCEL_JSON],
    "null": None,
    "a status we don't know": {**_PARCEL_JSON, "status": "teleported"},
    "the recipient as text": {**_PARCEL_JSON, "recipient": "Sam"},
    "the items as text": {**_PARCEL_JSON, "items": "abc"},
    "the events as numbers": {**_PARCEL_JSON, "events": [1]},
    "the window as text": {**_PARCEL_JSON, "eta": "tomorrow"},
    "the tracking number as a list": {**_PARCEL_JSON, "tracking_number": ["x"]},
}


@contextmanager
def _carrier_reads(body: object) -> Iterator[None]:
    """The carrier answers every read of the parcel 200 with `body` (and the search with it as its one parcel)."""
    listed = {"shipments": [body]} if isinstance(body, dict) else body
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/shipments", body=json.dumps(listed), content_type="application/json")
        mock.get(f"{BASE}/shipments/{PARCEL}", body=json.dumps(body), content_type="application/json")
        mock.get(f"{BASE}/shipments/{PARCEL}/actions", json={"actions": []})
        yield


@pytest.fixture
def acme(env, interpreter) -> Iterator[Runtime]:  # noqa: ANN001
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE)
    yield rt
    rt.close()


@pytest.mark.parametrize("body", list(UNREADABLE.values()), ids=list(UNREADABLE))
def test_a_tracking_link_whose_carrier_answers_nonsense_gets_the_cant_reach_the_carrier_page(acme, body):  # noqa: ANN001
    """Was a 500 page: only a BackendError was the "can't reach the carrier" page, and an answer of the wrong shape
    raised ValueError, KeyError or AttributeError from the parsing."""
    app = create_app(runtime=acme)
    app.config["TESTING"] = False
    link = acme.links.tracking_url("acme", PARCEL, "http").removeprefix(PUBLIC_URL)
    with _carrier_reads(body):
        page = app.test_client().get(link)
    assert page.status_code == 503, page.status_code
    assert "Retry-After" in page.headers


@pytest.mark.parametrize("body", list(UNREADABLE.values()), ids=list(UNREADABLE))
def test_a_shopper_whose_carrier_answers_nonsense_is_told_the_carrier_is_not_answering(acme, body):  # noqa: ANN001
    """The same answer as for a carrier that is down (it is, for us): what happened and that nothing changed; not
    our own fault's apology, and never the nonsense itself read back ("Your ['X'] is on the way")."""
    with _carrier_reads(body):
        by_phone, by_number = say(acme, "where is my parcel"), say(acme, f"where is {PARCEL}")
    for reply in (by_phone, by_number):
        assert "isn't answering" in reply and "Nothing has been changed" in reply, reply
        assert "on our side" not in reply and "['" not in reply, reply


# -- a JSON body that names a field twice --------------------------------------------------------------------
def _twice(body: dict, field: str, second: object) -> bytes:
    """`body` as JSON text with `field` written a second time, holding `second` (json.dumps can't write it)."""
    text = json.dumps(body)
    return (text[:-1] + f", {json.dumps(field)}: {json.dumps(second)}}}").encode()


def test_a_shipment_whose_status_is_given_twice_is_refused_not_read_as_the_last_one(client, auth):  # noqa: ANN001, F811
    """{"status": "label_created", ..., "status": "delivered"}: RFC 8259 leaves it to the parser which one counts
    (Python's json takes the last; many others the first). A merchant's system that meant the first would have the
    parcel recorded delivered and the shopper texted so. An ambiguous body is a clear 400 naming the key."""
    body = shipment(status="label_created")
    answer = client.post("/api/v1/shipments", data=_twice(body, "status", "delivered"),
                         content_type="application/json", headers=auth)
    assert answer.status_code == 400 and answer.is_json, (answer.status_code, answer.get_data(as_text=True)[:300])
    assert "status" in answer.get_json()["error"] + json.dumps(answer.get_json().get("errors"))
    assert client.get(f"/api/v1/shipments/{body['tracking_number']}", headers=auth).status_code == 404


def test_a_web_chat_message_given_twice_in_one_body_is_refused(client, demo):  # noqa: ANN001
    answer = client.post("/webhooks/rest/webhook", data=_twice({"sender": "chat-9", "message": "where is my parcel"},
                                                               "message", "cancel my order"),
                         content_type="application/json")
    assert answer.status_code == 400 and "message" in answer.get_json()["error"], answer.get_data(as_text=True)
