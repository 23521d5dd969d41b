"""Property-based tests on the shopper-facing webhooks: the Twilio SMS form (signed exactly as Twilio signs it,
so every random body reaches the parser and the engine) and the Rasa REST channel. Whatever arrives, the answer
is a clear 4xx or a polite reply - never a 500, never silence."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.fuzz.kit import deep, form_text, fuzz, json_values, nasty_text
from tests.helpers import sms_form, twilio_post

SHOPPER_TEXT = st.one_of(form_text, st.sampled_from([
    "where's my parcel", "PB100000001GB M1 4BT", "leave it with number 22 tomorrow", "cancel", "STOP", "RESEND",
    "123456", "1", "yes", "no not that one", "change address to 1 Main St, SW1A 1AA", "x" * 1700]))
SENDERS = st.one_of(st.sampled_from(["+447700900123", "+447700900654", "+15550109999", "07700900123",
                                     "whatsapp:+447700900123", "+44", "not a number", "", "+" + "9" * 30]), form_text)


def _polite(response) -> list[str]:  # noqa: ANN001
    """The TwiML replies, asserting there is at least one and none is empty."""
    assert response.mimetype == "application/xml", response.get_data(as_text=True)[:200]
    root = ET.fromstring(response.get_data(as_text=True))
    texts = ["".join(msg.itertext()) for msg in root.findall("Message")]
    assert texts and all(t.strip() for t in texts), texts
    return texts


def _post(client, form: dict[str, str]):  # noqa: ANN001, ANN202
    return twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)


@given(body=SHOPPER_TEXT, sender=SENDERS, media=st.lists(st.tuples(form_text, form_text), max_size=3),
       num_media=st.one_of(st.none(), st.sampled_from(["-1", "99999999999999999999", "x", "", "2"])))
@fuzz(20)
def test_any_signed_sms_gets_a_reply_or_a_clear_4xx(client, demo, body, sender, media, num_media) -> None:  # noqa: ANN001
    form = sms_form(body, sender=sender, media=media)
    if num_media is not None:
        form["NumMedia"] = num_media
    response = _post(client, form)
    assert response.status_code in (200, 400, 404), response.get_data(as_text=True)[:300]
    if response.status_code == 200:
        _polite(response)


@given(form=st.dictionaries(st.sampled_from(["MessageSid", "From", "To", "Body", "NumMedia", "MediaUrl0",
                                             "SmsMessageSid", "AccountSid"]) | form_text, form_text, max_size=8))
@fuzz(20)
def test_any_signed_form_at_all_is_answered_without_a_500(client, demo, form) -> None:  # noqa: ANN001
    response = _post(client, form)
    assert response.status_code in (200, 400, 404), response.get_data(as_text=True)[:300]
    if response.status_code == 200:
        _polite(response)


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00\x01" * 1000, b"Body=%ff%fe%00&From=%2B447700900123", b"=" * 10000,
                                 b"a" * (2 * 1024 * 1024)])
def test_binary_and_huge_form_bodies_are_refused_cleanly(client, demo, raw: bytes) -> None:  # noqa: ANN001
    response = client.post("/twilio/sms", data=raw, content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": "c2lnbmVk"})
    assert response.status_code in (400, 403, 413)


def test_a_huge_signed_message_gets_a_reply(client, demo) -> None:  # noqa: ANN001
    """Twilio joins a long SMS into one Body (1,600 characters at most); ten times that still gets a reply."""
    _polite(_post(client, sms_form("where is my parcel " * 900)))


# -- the REST channel ------------------------------------------------------------------------------------
def _rest(client, raw: bytes | str, content_type: str = "application/json"):  # noqa: ANN001, ANN202
    return client.post("/webhooks/rest/webhook", data=raw, content_type=content_type)


def _rest_ok(response) -> None:  # noqa: ANN001
    assert response.status_code in (200, 400, 404, 413, 422), response.get_data(as_text=True)[:300]
    assert response.is_json
    body = response.get_json()
    if response.status_code == 200:
        assert isinstance(body, list) and body and all(isinstance(r.get("text"), str) and r["text"] for r in body)
    else:
        assert isinstance(body.get("error"), str) and body["error"]


@given(sender=st.one_of(nasty_text, json_values), message=st.one_of(SHOPPER_TEXT, nasty_text, json_values),
       extra=st.dictionaries(nasty_text, json_values, max_size=2))
@fuzz(20)
def test_any_rest_body_gets_replies_or_a_clear_4xx(client, demo, sender, message, extra) -> None:  # noqa: ANN001
    _rest_ok(_rest(client, json.dumps({**extra, "sender": sender, "message": message})))


@given(body=json_values)
@fuzz(20)
def test_any_json_value_at_all_is_answered(client, demo, body) -> None:  # noqa: ANN001
    _rest_ok(_rest(client, json.dumps(body)))


@pytest.mark.parametrize("raw", [deep(5000), "{" * 100000, b"\xff\xfe\x00garbage", "[1,2", "\ufeff{}",
                                 '{"sender": "a", "message": "' + "x" * 300_000 + '"}', "", "null", "1e999999"])
def test_hostile_rest_bodies_are_refused_cleanly(client, demo, raw) -> None:  # noqa: ANN001
    _rest_ok(_rest(client, raw))
