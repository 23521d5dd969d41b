"""The SMS webhook, driven exactly as Twilio drives it: form posts signed with Twilio's RequestValidator."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from backend import models as m
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import sms_form, twilio_post


def post(client, form, **kw):  # noqa: ANN001, ANN201
    return twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL, **kw)


def twiml_messages(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return ["".join(msg.itertext()) for msg in root.findall("Message")]


def count(runtime, model, *where) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_where_is_my_parcel_answers_with_status_window_and_link(client, demo):
    texts = twiml_messages(post(client, sms_form("where's my parcel")))
    assert len(texts) == 1
    text = texts[0]
    assert "Trail running shoes" in text and "PB100000001GB" in text
    assert "on the way" in text
    assert "tomorrow 09:00-13:00" in text
    assert f"{PUBLIC_URL}/t/" in text
    assert "Acacia" not in text  # the address is masked


def test_two_shipments_on_one_number_are_listed_and_chosen(client, demo):
    sender = "+447700900654"
    listed = twiml_messages(post(client, sms_form("wheres my order", sender=sender)))[0]
    assert "1)" in listed and "2)" in listed and "Headtorch" in listed and "Wool socks" in listed
    first_is_socks = listed.index("Wool socks") < listed.index("Headtorch")
    choice = "1" if first_is_socks else "2"
    answer = twiml_messages(post(client, sms_form(choice, sender=sender)))[0]
    assert "PB100000005GB" in answer and "Wool socks" in answer


def test_forged_signature_is_refused_and_changes_nothing(client, runtime, demo):
    form = sms_form("where's my parcel")
    response = post(client, form, signature="bm90LWEtcmVhbC1zaWduYXR1cmU=")
    assert response.status_code == 403
    assert count(runtime, m.Message) == 0
    assert count(runtime, m.Conversation) == 0


def test_missing_signature_is_refused(client, runtime, demo):
    response = client.post("/twilio/sms", data=sms_form("where's my parcel"))
    assert response.status_code == 403
    assert count(runtime, m.Message) == 0


def test_signature_over_a_different_url_is_refused(client, runtime, demo):
    """Behind a proxy we validate against the public URL: a signature for another host is no good."""
    form = sms_form("where's my parcel")
    response = twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url="https://evil.example.com")
    assert response.status_code == 403


def test_tampered_body_is_refused(client, runtime, demo):
    from twilio.request_validator import RequestValidator

    form = sms_form("where's my parcel")
    sig = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + "/twilio/sms", form)
    form["Body"] = "cancel my order"
    response = client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": sig})
    assert response.status_code == 403


def test_same_message_sid_twice_is_stored_once_and_acted_on_once(client, runtime, demo):
    form = sms_form("where's my parcel", sid="SM" + "a" * 32)
    first = twiml_messages(post(client, form))
    second = twiml_messages(post(client, form))
    assert first == second
    assert count(runtime, m.Message, m.Message.direction == "in") == 1
    assert count(runtime, m.Message, m.Message.direction == "out") == 1
    assert count(runtime, m.AuditEntry, m.AuditEntry.action == "view_status") == 1


@pytest.mark.parametrize(
    "body",
    ["", "   ", "x" * 5000, "where is my parcel 📦🙏😡", "Где моя посылка?", "我的包裹在哪里", "مكان طردي؟",
     "\u0000\u0007 weird \u202e control", "' OR 1=1; DROP TABLE messages; --", "<script>alert(1)</script>"],
)
def test_awkward_bodies_get_a_sensible_reply(client, runtime, demo, body):
    texts = twiml_messages(post(client, sms_form(body)))
    assert texts and all(t.strip() for t in texts)
    assert all("<script>" not in t for t in texts)
    assert count(runtime, m.Message, m.Message.direction == "in") == 1


def test_media_only_message_gets_a_reply(client, runtime, demo):
    form = sms_form("", media=[("https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1", "image/jpeg")])
    texts = twiml_messages(post(client, form))
    assert texts and "picture" in texts[0].lower()
    with runtime.sessions() as s:
        stored = s.scalar(select(m.Message).where(m.Message.direction == "in"))
        assert stored.media_urls and stored.media_urls[0].endswith("/ME1")


def test_unknown_to_number_is_a_clear_404(client, runtime, demo):
    response = post(client, sms_form("where's my parcel", to="+441614960999"))
    assert response.status_code == 404
    assert "+441614960999" in response.get_data(as_text=True)
    assert count(runtime, m.Message) == 0


def test_missing_fields_are_a_clear_400(client, demo):
    form = sms_form("hello")
    del form["From"]
    response = post(client, form)
    assert response.status_code == 400
    assert "From" in response.get_data(as_text=True)


def test_sender_that_is_not_a_phone_number_is_a_clear_400(client, demo):
    response = post(client, sms_form("hello", sender="ACMEPROMO"))
    assert response.status_code == 400


def test_stranger_learns_nothing_without_the_postcode(client, demo):
    stranger = "+447700900999"
    asked = twiml_messages(post(client, sms_form("where is PB100000001GB", sender=stranger)))[0]
    assert "postcode" in asked.lower() and "Trail" not in asked
    # A tracking number that does not exist gets exactly the same question: no enumeration.
    asked_unknown = twiml_messages(post(client, sms_form("where is PB999999999GB", sender="+447700900998")))[0]
    assert asked_unknown == asked
    wrong = twiml_messages(post(client, sms_form("SW1A 1AA", sender=stranger)))[0]
    assert "Trail" not in wrong and "PB100000001GB" not in wrong
    post(client, sms_form("where is PB100000001GB", sender=stranger))
    right = twiml_messages(post(client, sms_form("M1 4BT", sender=stranger)))[0]
    assert "Trail running shoes" in right
