"""The normaliser reads answers and other people's words for ours (issue 13): emoji, typed-fast yeses and noes,
"ya" opening an answer, "100%", and the order and refund called by other names."""

from __future__ import annotations

import pytest

from intents.normalise import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("👍🏽", "yes ok"),  # a skin tone is dropped with the rest
        ("🙅🏻\u200d♂️", "no"),  # a gender sign and a joiner too
        ("🙅\u200d♀️ no thanks", "no no thanks"),
        ("🤷", "not sure"),
        ("hmm 🤔", "hmm hmm"),
        ("🆗", "ok"),
        ("☑️", "yes"),
        ("✖️", "no"),
        ("💯", "absolutely"),
    ],
)
def test_emoji_answers_become_words(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yse", "yes"), ("yesss", "yes"), ("yws", "yes"), ("noooo", "no"), ("nahh", "no"), ("okat", "ok"),
        ("aight", "alright"), ("deffo", "definitely"), ("yes pleasw", "yes please"),
        ("ya i do", "yes i do"), ("ya", "yes"), ("ya sure!", "yes sure !"),
        ("100%", "absolutely"), ("100% !", "absolutely !"),
    ],
)  # fmt: skip
def test_typed_fast_answers(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("see ya", "see you"),  # "ya" is "you" anywhere but at the start of an answer
        ("ya got my parcel?", "you got my parcel ?"),
        ("i paid 100% of it", "i paid numref of it"),  # a percentage inside a sentence is still a number
        ("100% refund please", "numref refund please"),
    ],
)
def test_lookalikes_keep_their_meaning(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("what's the status of purchase 5512", "whats the status of order numref"),
        ("any update on shipment 40917", "any update on parcel numref"),
        ("still waiting on my reimbursement of $80", "still waiting on my refund of moneyref"),
        ("was my compensation processed", "was my refund processed"),
        ("i was reimbursed twice", "i was refunded twice"),
        ("rebook for wed", "rebook for wednesday"),
    ],
)
def test_other_words_for_the_order_and_the_refund(raw: str, expected: str) -> None:
    assert normalise(raw) == expected
