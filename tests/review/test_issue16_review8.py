"""Review 8 of issue 16 ("Scale, speed and staying up"): an independent reviewer's probes in other words than the
suite's, each defect found a test that failed on the code as it stood (xfail, strict, until mended)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st

from backend.http_adapter import HttpBackend
from backend.protocol import BackendError
from backend.resilience import CircuitBreaker, MemoryBreakerStore
from backend.serialize import shipment_to_json
from backend.types import ActionKind, ActionOption, Address, ProofOfDelivery, ReturnInfo, Shipment, ShipmentStatus
from bot.runtime import Runtime
from bot.web import create_app
from tests.api.support import api_key, auth, shipment  # noqa: F401 - fixtures
from tests.conftest import PUBLIC_URL
from tests.faults.kit import BASE, PARCEL, SHOPPER, acme_runtime, say
from tests.fuzz.kit import fuzz, json_values, mutate

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


# Any JSON at all, and the contract's own shapes with a field swapped for any JSON: every read answers a value or a
# BackendError, whatever the carrier's 200 holds (the class of the two tests above, at the adapter).
_READS = {  # the path read, the call, and what a readable answer is
    "get_shipment": (f"/shipments/{PARCEL}", lambda b: b.get_shipment(PARCEL),
                     lambda got: got is None or _readable(got)),
    "find_shipments": ("/shipments", lambda b: b.find_shipments(phone=SHOPPER),
                       lambda got: isinstance(got, list) and all(_readable(s) for s in got)),
    "available_actions": (f"/shipments/{PARCEL}/actions", lambda b: b.available_actions(PARCEL),
                          lambda got: isinstance(got, list) and all(isinstance(o, ActionOption) for o in got)),
    "proof_of_delivery": (f"/shipments/{PARCEL}/proof-of-delivery", lambda b: b.proof_of_delivery(PARCEL),
                          lambda got: got is None or isinstance(got, ProofOfDelivery)),
    "return_status": (f"/shipments/{PARCEL}/returns", lambda b: b.return_status(PARCEL),
                      lambda got: got is None or isinstance(got, ReturnInfo)),
}


def _readable(parcel: object) -> bool:
    """A parcel whose words are words: what a shopper may be read back."""
    return isinstance(parcel, Shipment) and all(
        isinstance(v, str) for v in (parcel.tracking_number, parcel.carrier, parcel.recipient_name,
                                     parcel.address.line1, parcel.address.postcode)) and all(
        v is None or isinstance(v, str) for v in (parcel.order_number, parcel.recipient_phone, parcel.locked_reason))


_SHAPES = {"get_shipment": _PARCEL_JSON, "find_shipments": {"shipments": [_PARCEL_JSON]},
           "available_actions": {"actions": [{"kind": "add_delivery_note", "available": True, "windows": [],
                                              "pickup_points": [{"id": "P1", "name": "Shop"}]}]},
           "proof_of_delivery": {"delivered_at": "2026-11-23T09:00:00+00:00", "photos": ["k1"]},
           "return_status": {"returns": [{"reference": "R-1", "refund": {"amount": "1.00", "currency": "GBP"}}]}}


@pytest.mark.parametrize("read", list(_READS))
@given(data=st.data())
@fuzz(40)
def test_every_carrier_read_answers_a_value_or_a_backend_error_whatever_json_comes_back(read, data) -> None:  # noqa: ANN001
    path, call, readable = _READS[read]
    body = data.draw(st.one_of(json_values, mutate(_SHAPES[read])))
    backend = HttpBackend(BASE, "secret", merchant_slug="acme", supported_actions=list(ActionKind),
                          breaker=CircuitBreaker("review8", store=MemoryBreakerStore()), sleep=lambda _s: None)
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}{path}", body=json.dumps(body), content_type="application/json")
        try:
            got = call(backend)
        except BackendError:
            return  # unreadable, said as the carrier not answering
    assert readable(got), (body, got)


# -- Twilio behind a load balancer, no PARCELBOT_PUBLIC_URL: the forwarded scheme and host are what it signed ----------
def test_behind_a_trusted_proxy_twilio_s_signature_over_the_forwarded_url_is_accepted_and_a_forged_host_is_not(
        env, interpreter, demo):  # noqa: ANN001
    """No test covered this path (each set PARCELBOT_PUBLIC_URL, or sent no forwarded headers): with
    PARCELBOT_PROXIES=1 the request URL is rebuilt from X-Forwarded-Proto/-Host, which is the URL Twilio signed;
    a host the proxy did not send (another site's) is a 403, and without PARCELBOT_PROXIES the headers count for
    nothing."""
    from twilio.request_validator import RequestValidator

    from bot.config import Settings
    from bot.runtime import build_runtime
    from tests.conftest import TWILIO_TOKEN
    from tests.helpers import sms_form

    def post(proxies: str, host: str) -> int:
        settings = Settings.from_env({**{k: v for k, v in env.items() if k != "PARCELBOT_PUBLIC_URL"},
                                      "PARCELBOT_PROXIES": proxies})
        runtime = build_runtime(settings, interpreter=interpreter, synchronous_jobs=True)
        client = create_app(runtime=runtime).test_client()
        form = sms_form("where's my parcel")
        signature = RequestValidator(TWILIO_TOKEN).compute_signature("https://bot.example.com/twilio/sms", form)
        return client.post("/twilio/sms", data=form, base_url="http://10.0.0.5:8000", headers={
            "X-Twilio-Signature": signature, "X-Forwarded-Proto": "https", "X-Forwarded-Host": host}).status_code

    assert post("1", "bot.example.com") == 200
    assert post("1", "evil.example.com") == 403
    assert post("0", "bot.example.com") == 403
