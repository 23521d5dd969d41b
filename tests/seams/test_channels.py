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
    assert spec_for("sms").receives_media and not spec_for("rest").receives_media
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


def test_a_default_template_has_its_own_words_for_a_channel_with_buttons(runtime, client, demo):
    """Rasa's `channel:` variants: the REST channel shows "did you mean A or B?" with two buttons; SMS lists
    them as numbered text. Both from one question, through the wording service."""
    from tests.dialogues.aftersales_kit import ForcedIntent
    from tests.helpers import say

    tie = {"intent": "request_proof_of_delivery", "confidence": 0.41,
           "clarify": ("request_proof_of_delivery", "report_not_received")}
    runtime.engine = runtime.engine.replace(interpreter=ForcedIntent(runtime.engine.interpreter,
                                                                     {"PB100000003GB problem": tie}))
    [question] = client.post("/webhooks/rest/webhook",
                             json={"sender": "tie-test", "message": "PB100000003GB problem"}).get_json()
    assert question["text"].startswith("Sorry, I want to get this right. Did you mean the proof of delivery")
    assert "1)" not in question["text"]
    assert [(b["payload"], b["title"]) for b in question["buttons"]] == [
        ("1", "the proof of delivery"), ("2", "your missing parcel")]
    sms = " ".join(say(runtime, "PB100000003GB problem", sender="+447700900789"))
    assert "1) the proof of delivery" in sms and "2) your missing parcel" in sms and "Reply 1 or 2" in sms


def test_a_question_asked_again_keeps_its_buttons(runtime, client, demo):
    """A re-ask (the answer didn't fit) repeats the question with its choices, so a web chat still has buttons."""
    from tests.dialogues.aftersales_kit import ForcedIntent

    tie = {"intent": "request_proof_of_delivery", "confidence": 0.41,
           "clarify": ("request_proof_of_delivery", "report_not_received")}
    runtime.engine = runtime.engine.replace(interpreter=ForcedIntent(runtime.engine.interpreter,
                                                                     {"PB100000003GB problem": tie}))

    def rest(text: str) -> list[dict]:
        return client.post("/webhooks/rest/webhook", json={"sender": "reask-test", "message": text}).get_json()

    assert any("buttons" in r for r in rest("PB100000003GB problem"))
    again = rest("hmm")
    assert [[b["payload"] for b in r["buttons"]] for r in again if "buttons" in r] == [["1", "2"]]
