"""The SMS webhook: only Twilio (signed over the public URL) gets in, and odd input gets a clear answer.

Bad input never produces a 500 or a stack trace, and never loses a message that did get in.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from backend import models as m
from bot.config import Settings
from bot.runtime import build_runtime
from bot.web import create_app
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import new_sid, sms_form, twilio_post
from tests.security.security_kit import OWN, count, sms


def _sign(url: str, form: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def test_a_signature_over_the_internal_url_is_refused_when_a_public_url_is_set(client, runtime, demo):
    form = sms_form("where's my parcel")
    signature = _sign("http://localhost/twilio/sms", form)
    response = client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403 and count(runtime, m.Message) == 0


def test_a_signature_made_with_another_token_is_refused(client, runtime, demo):
    form = sms_form("where's my parcel")
    response = client.post("/twilio/sms", data=form,
                           headers={"X-Twilio-Signature": _sign(PUBLIC_URL + "/twilio/sms", form, "another-token")})
    assert response.status_code == 403 and count(runtime, m.Message) == 0


@pytest.mark.parametrize("signature", ["", " ", "null", "=" * 28, "x" * 5000])
def test_junk_signatures_are_refused(client, runtime, demo, signature):
    response = client.post("/twilio/sms", data=sms_form("hi"), headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403 and count(runtime, m.Message) == 0


def test_an_added_unsigned_field_is_refused(client, runtime, demo):
    form = sms_form("where's my parcel")
    signature = _sign(PUBLIC_URL + "/twilio/sms", form)
    response = client.post("/twilio/sms", data={**form, "NumMedia": "1", "MediaUrl0": "https://evil.example/x.jpg"},
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_changed_sender_is_refused(client, runtime, demo):
    """The sender's number is proof of identity, so it must be covered by the signature."""
    form = sms_form("where's my parcel", sender="+447700900999")
    signature = _sign(PUBLIC_URL + "/twilio/sms", form)
    response = client.post("/twilio/sms", data={**form, "From": OWN}, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403 and count(runtime, m.Message) == 0


def test_a_query_string_is_part_of_what_is_signed(client, runtime, demo):
    form = sms_form("where's my parcel")
    signature = _sign(PUBLIC_URL + "/twilio/sms", form)
    response = client.post("/twilio/sms?merchant=other", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    signed_with_query = _sign(PUBLIC_URL + "/twilio/sms?merchant=other", form)
    ok = client.post("/twilio/sms?merchant=other", data=form, headers={"X-Twilio-Signature": signed_with_query})
    assert ok.status_code == 200


def test_without_a_public_url_the_request_url_is_what_twilio_signed(env, interpreter, demo):
    settings = Settings.from_env({k: v for k, v in env.items() if k != "PARCELBOT_PUBLIC_URL"})
    app = create_app(runtime=build_runtime(settings, interpreter=interpreter, synchronous_jobs=True))
    client = app.test_client()
    form = sms_form("where's my parcel")
    local = twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url="http://localhost")
    assert local.status_code == 200
    again = sms_form("where's my parcel")
    assert twilio_post(client, "/twilio/sms", again, token=TWILIO_TOKEN,
                       public_url="https://bot.example.com").status_code == 403


@pytest.mark.parametrize(
    "changes",
    [
        {"From": "not a number"},
        {"From": "+44"},
        {"From": "+4477009001231234567890"},
        {"To": "+15005550006"},
        {"To": "x" * 3000},
        {"From": ""},
        {"MessageSid": ""},
        {"NumMedia": "lots"},
        {"NumMedia": "-3"},
        {"NumMedia": "99999999999999999999999"},
        {"NumMedia": "2", "MediaUrl0": "", "MediaUrl1": "x" * 4000},
        {"MediaUrl0": "https://x.example/\u0000", "NumMedia": "1"},
        {"Body": "hi \u0000 there"},
        {"Body": "x" * 200_000},
        {"MessageSid": "SM" + "9" * 200},
        {"From": OWN + "\u0000"},
    ],
)
def test_odd_but_signed_forms_get_a_clear_answer_never_a_500(client, runtime, demo, changes):
    form = {**sms_form("where's my parcel"), **changes}
    response = sms(client, form)
    assert response.status_code in (200, 400, 404, 413, 422), response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "internal error" not in body.lower()
    if response.status_code == 200:
        assert "<Message>" in body


def test_invalid_utf8_in_the_form_is_answered_not_crashed(client, runtime, demo):
    raw = urlencode({"MessageSid": new_sid(), "From": OWN, "To": "+441614960000", "NumMedia": "0"})
    raw += "&Body=" + "%FF%FEwhere%C3%28s%20my%20parcel%ED%A0%80"
    # Sign what the server will read (werkzeug decodes the bytes leniently), as Twilio would have signed its own.
    with client.application.test_request_context("/twilio/sms", method="POST", data=raw,
                                                 content_type="application/x-www-form-urlencoded"):
        from flask import request

        seen = request.form.to_dict(flat=True)
    response = client.post("/twilio/sms", data=raw, content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": _sign(PUBLIC_URL + "/twilio/sms", seen)})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        assert count(runtime, m.Message, m.Message.direction == "in") == 1


def test_a_json_body_is_not_a_twilio_form(client, runtime, demo):
    response = client.post("/twilio/sms", json=sms_form("hi"), headers={"X-Twilio-Signature": "abc"})
    assert response.status_code == 403


def test_get_and_other_methods_are_a_clear_405(client):
    for method in ("get", "put", "delete"):
        response = getattr(client, method)("/twilio/sms")
        assert response.status_code == 405 and b"Traceback" not in response.data


def test_a_huge_message_is_stored_bounded_and_answered(client, runtime, demo):
    response = sms(client, sms_form("where is my parcel " + "a" * 100_000))
    assert response.status_code == 200 and "<Message>" in response.get_data(as_text=True)
    with runtime.sessions() as s:
        stored = s.scalar(select(m.Message.body).where(m.Message.direction == "in"))
    assert 0 < len(stored) <= 1600


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"sender": 12, "message": "hi"}',
        b'{"sender": "", "message": "hi"}',
        b'{"sender": "' + b"s" * 500 + b'", "message": "hi"}',
        b'{"sender": "web-1", "message": {"text": "hi"}}',
        b'{"sender": "web-1", "message": "\xff\xfe"}',
        b'{"sender": "web-1", "message": "' + b"x" * 300_000 + b'"}',
        b'{"sender": "web-1", "message": "\\ud800"}',
        b'{"sender": "web-1\\u0000", "message": "hi"}',
    ],
)
def test_the_rest_channel_answers_odd_input_clearly(client, demo, payload):
    response = client.post("/webhooks/rest/webhook", data=payload, content_type="application/json")
    assert response.status_code in (200, 400, 413, 422), response.get_data(as_text=True)
    assert response.is_json and "Traceback" not in response.get_data(as_text=True)


def test_the_rest_channel_names_an_unknown_merchant_clearly(client, demo):
    response = client.post("/webhooks/rest/webhook?merchant=nobody", json={"sender": "web-1", "message": "hi"})
    assert response.status_code == 404 and response.is_json


def test_a_request_over_the_size_limit_is_a_clear_413(client, runtime, demo):
    huge = "x" * (17 * 1024 * 1024)
    response = client.post("/twilio/sms", data={**sms_form("hi"), "Body": huge}, headers={"X-Twilio-Signature": "a"})
    assert response.status_code == 413 and b"Traceback" not in response.data
    rest = client.post("/webhooks/rest/webhook", json={"sender": "web-1", "message": huge})
    assert rest.status_code == 413 and rest.is_json
    assert count(runtime, m.Message) == 0
