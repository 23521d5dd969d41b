"""The rules that read an upset shopper (dialogues/kit/tone.py) and the short questions the bot answers itself
(dialogues/kit/faq.py), with phrasings of our own: each sign alone where it should be enough, calm messages
that share a word with an upset one, and the notes for a driver that look like a question about the driver."""

from __future__ import annotations

import pytest

from dialogues.kit.faq import Question, question_in
from dialogues.kit.tone import read_mood
from tests.security.security_kit import OWN, talk

# -- upset or not ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "I was IN all day and you say nobody was home??",  # shouting + ?? + let down
    "where the hell is my parcel",  # swearing
    "ffs just deliver it",
    "WHY HAS NOBODY DELIVERED MY ORDER",  # all capitals
    "where is it???",  # a burst of question marks
    "second time asking, when is it coming",  # having to ask again
    "ive texted 3 times now and still nothing",
    "your service is a joke",  # a complaint
    "this is unacceptable, i want my money back",
    "Seriously?! Still no package",  # US, ?! and still
])
def test_upset(text):
    assert read_mood(text).upset, read_mood(text)


@pytest.mark.parametrize("text", [
    "can you try again tomorrow",  # a lone "again" is a request
    "I'm NOT in on Monday, can it come Tuesday",  # one capitalised word is emphasis
    "PB100000001GB M1 4BT",  # references and postcodes are written in capitals
    "YES",  # our own keywords are too
    "where is my parcel?",
    "hello??",  # one sign only
    "thanks so much, brilliant!!",
])
def test_not_upset(text):
    assert not read_mood(text).upset, read_mood(text)


@pytest.mark.parametrize("text", ["this is the 4th time im asking", "how many times do i have to tell you",
                                  "i already told you its not here"])
def test_having_to_ask_again_is_told_apart(text):
    assert read_mood(text).again


@pytest.mark.parametrize("text", ["ive texted you 3 times now", "I've called three times about this"])
def test_asking_a_number_of_times_is_asking_again(text):
    assert read_mood(text).again


@pytest.mark.parametrize("text", ["nope still nothing", "still not here", "no, still waiting on it",
                                  "Still no package", "been waiting days now"])
def test_still_waiting_is_not_asking_again(text):
    """The parcel is still not here: often the first answer to "Have you found it?" (review 7)."""
    assert not read_mood(text).again


# -- short questions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "question"), [
    ("are you a robot", Question.ROBOT), ("r u a real person?", Question.ROBOT),
    ("am i talking to a bot", Question.ROBOT), ("is this automated", Question.ROBOT),
    ("whats ur returns policy", Question.RETURNS_POLICY),
    ("how long have i got to send it back", Question.RETURNS_POLICY),
    ("are returns free?", Question.RETURNS_POLICY), ("do I have to pay for the return", Question.RETURNS_POLICY),
    ("how much will i get back", Question.REFUND_AMOUNT), ("will I get a full refund?", Question.REFUND_AMOUNT),
    ("how much will my refund be", Question.REFUND_AMOUNT),
    ("can i see him on a map", Question.LIVE_LOCATION), ("hw far away is the driver", Question.LIVE_LOCATION),
    ("is there live tracking", Question.LIVE_LOCATION), ("wheres the van now", Question.LIVE_LOCATION),
    ("can i have the drivers number", Question.DRIVER_CONTACT), ("whats the courier's name", Question.DRIVER_CONTACT),
    ("how do I contact the delivery guy", Question.DRIVER_CONTACT), ("can i call the driver", Question.DRIVER_CONTACT),
    ("when are you open", Question.SUPPORT_HOURS), ("what are your customer service hours", Question.SUPPORT_HOURS),
    ("how can i contact you", Question.SUPPORT_HOURS),
])
def test_short_questions(text, question):
    assert question_in(text) is question


@pytest.mark.parametrize("text", [
    "tell the driver to call me", "ask the driver to ring me when hes outside",  # notes for the driver
    "can the driver text me when he's close", "what is the email on my account",  # not ours to answer
    "what are the opening hours of the locker",  # a pickup point's hours
    "I want a refund", "return it please", "i want to talk to a real person",  # requests, not questions
    "where is my parcel",
])
def test_not_short_questions(text):
    assert question_in(text) is None


def test_a_note_that_mentions_calling_is_still_a_note(runtime, demo):
    reply = talk(runtime, OWN, "tell the driver to call me when he gets here")
    assert "can't share" not in reply and "note" in reply.lower()
