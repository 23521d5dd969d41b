"""Channel specs and structured choices: a question's choices travel as buttons where the channel has them
(the REST channel, as Rasa `buttons`) and as numbered text where it doesn't (SMS, the terminal); a tapped
button's payload answers the question like typing it would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.channels import SPECS, UNKNOWN, phone_channels, spec_for
from bot.core.messages import Choice, Reply
from channels import terminal
from channels.rest import render

CHOICES = (Choice("1", "Piccadilly Corner Shop"), Choice("2", "Ancoats Parcel Locker"))


def test_each_channel_says_what_it_can_do():
    assert phone_channels() == {"sms", "whatsapp", "cli"}
    assert (spec_for("sms").buttons, spec_for("sms").merchant_number) == (0, "sms_number")
    assert spec_for("whatsapp").session_window == timedelta(hours=24)
    assert spec_for("whatsapp").merchant_number == "whatsapp_number" and spec_for("whatsapp").buttons == 3
    assert spec_for("rest").buttons >= 3 and not spec_for("rest").phone_like
    assert spec_for("carrier-pigeon") is UNKNOWN and not UNKNOWN.phone_like and UNKNOWN.buttons == 0
    assert set(SPECS) >= {"sms", "whatsapp", "cli", "rest", "web", "email"}


def test_choices_degrade_to_numbered_text_without_buttons():
    reply = Reply("Which one?", choices=CHOICES, listed=False)
    assert reply.as_text(spec_for("sms")) == "Which one?\n1) Piccadilly Corner Shop\n2) Ancoats Parcel Locker"
    assert terminal.render(reply) == ["bot> Which one?\n1) Piccadilly Corner Shop\n2) Ancoats Parcel Locker"]
    assert reply.as_text(spec_for("rest")) == "Which one?"  # buttons carry them there
    listed = Reply("Which one?\n1) Piccadilly\n2) Ancoats", choices=CHOICES)  # the wording listed them already
    assert listed.as_text(spec_for("sms")) == listed.text


def test_the_rest_channel_sends_rasa_buttons():
    out = render("web-1", Reply("Which one?", choices=CHOICES, listed=False))
    assert out == {"recipient_id": "web-1", "text": "Which one?",
                   "buttons": [{"title": "Piccadilly Corner Shop", "payload": "1"},
                               {"title": "Ancoats Parcel Locker", "payload": "2"}]}
    too_many = tuple(Choice(str(i), f"Slot {i}") for i in range(1, 13))
    out = render("web-1", Reply("Which slot?", choices=too_many, listed=False))
    assert "buttons" not in out and out["text"].endswith("12) Slot 12")  # more than the channel shows: text


@pytest.fixture
def rest(client, demo):  # noqa: ANN001, ANN201
    def send(text: str) -> list[dict]:
        response = client.post("/webhooks/rest/webhook", json={"sender": "choices-test", "message": text})
        assert response.status_code == 200
        return response.get_json()

    return send


def test_a_question_with_choices_over_rest_and_its_payload_as_the_answer(rest):
    rest("can I collect PB100000001GB from a pickup point instead")
    replies = rest("M1 4BT")
    [question] = [r for r in replies if "buttons" in r]
    assert [b["payload"] for b in question["buttons"]] == ["1", "2", "3"]
    assert "Ancoats Parcel Locker" in question["buttons"][1]["title"]
    answer = " ".join(r["text"] for r in rest(question["buttons"][1]["payload"]))
    assert "Ancoats Parcel Locker" in answer and "Just to check" in answer


def test_the_same_question_over_sms_is_numbered_text(runtime, demo):
    from tests.helpers import say

    text = " ".join(say(runtime, "can I collect it from a pickup point instead"))
    assert "1) Piccadilly Corner Shop" in text and "2) Ancoats Parcel Locker" in text
