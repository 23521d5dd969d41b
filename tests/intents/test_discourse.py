"""intents/discourse.py: how shoppers write. Parts of a message, "not X", and the last word after a correction.

Tables of phrasings we wrote in shoppers' voices, plus properties that must hold for any text (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intents.discourse import clauses, excluded, has_correction, is_negated, last_word, only_narrows


def _texts(message: str) -> list[str]:
    return [c.text for c in clauses(message)]


# -- two requests in one message ---------------------------------------------------------------------------
@pytest.mark.parametrize(("message", "parts"), [
    ("leave it with number 9 if im out and tell the driver to watch out for the dog",
     ["leave it with number 9 if im out", "tell the driver to watch out for the dog"]),
    ("when is my parcel coming? if its tomorrow can u move it to monday afternoon",
     ["when is my parcel coming", "if its tomorrow can u move it to monday afternoon"]),
    ("put it in the shed, also can you ask him to ring the bell",
     ["put it in the shed", "can you ask him to ring the bell"]),
    ("where's my order. i need it by friday", ["where's my order", "i need it by friday"]),
])
def test_a_message_splits_into_its_requests(message, parts):
    assert _texts(message) == parts


@pytest.mark.parametrize(("message", "parts"), [
    ("hold on, what time is it coming", ["what time is it coming"]),
    ("hang on where is it now", ["where is it now"]),
    ("wait a sec, can it go in the shed", ["can it go in the shed"]),
    ("ok so leave it with number 4", ["ok so leave it with number 4"]),  # no pause: not an interjection
    ("hold on to it until friday please", ["hold on to it until friday please"]),  # "hold on to it" is a hold
])
def test_an_opening_interjection_is_no_part_of_its_own(message, parts):
    assert _texts(message) == parts


@pytest.mark.parametrize("message", [
    "where is my parcel", "can you leave it with the lady at number 12 and her husband",
    "it was not delivered", "i did not get it", "its not here", "i am not in until 6",
    "leave it behind the bins and the recycling box",
])
def test_one_request_stays_whole(message):
    assert _texts(message) == [message]


# -- "not X" -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("clause", [
    "i dont want to go to a pickup point", "no pickup point please", "not piccadilly",
    "dont cancel the order", "please don't leave it outside", "i'd rather not have it at the shop",
    "no need to redeliver", "stop sending me pickup points", "I DON'T want a refund",
    "I'd rather you didn't leave it outside", "i'd prefer it if you didnt leave it with the neighbours",
    "I'd rather you not leave it on the porch", "anything but the locker please",
    "anything other than a locker",
])
def test_not_x_is_negated(clause):
    assert is_negated(clause)


# -- a refusal, then the value wanted instead --------------------------------------------------------------
@pytest.mark.parametrize(("message", "parts"), [
    ("never leave it at the back of the house, front porch only",
     [("never leave it at the back of the house", True, False), ("front porch only", False, True)]),
    ("please don't put it in the bin store - behind the side gate",
     [("please don't put it in the bin store", True, False), ("behind the side gate", False, True)]),
    ("dont leave it with number 12, number 14",
     [("dont leave it with number 12", True, False), ("number 14", False, True)]),
    # a reason after the refusal is no value, and a long message after its first pause is no bare value
    ("don't leave it outside, it'll get nicked", [("don't leave it outside, it'll get nicked", True, False)]),
    ("no its wrong, should be Flat 3, 12 Acacia Avenue, M1 4BT",
     [("no its wrong, should be Flat 3, 12 Acacia Avenue, M1 4BT", True, False)]),
])
def test_a_refusal_then_a_bare_value_is_its_correction(message, parts):
    assert [(c.text, c.negated, c.corrects) for c in clauses(message)] == parts


@pytest.mark.parametrize(("message", "parts"), [
    ("dont leave it outside, it can go in the shed",
     [("dont leave it outside", True, False), ("it can go in the shed", False, True)]),
    ("don't leave it on the doorstep, you can put it in the garage",
     [("don't leave it on the doorstep", True, False), ("you can put it in the garage", False, True)]),
    ("Please don't leave it on the porch - the driver could pop it behind the side gate",
     [("Please don't leave it on the porch", True, False), ("the driver could pop it behind the side gate", False,
                                                            True)]),
    ("dont leave it in the porch, you could give it to number 12",
     [("dont leave it in the porch", True, False), ("you could give it to number 12", False, True)]),
    # a subject saying why stays with the refusal; "can't go" is no place for it
    ("don't leave it on the porch, it will get stolen", [("don't leave it on the porch, it will get stolen", True,
                                                          False)]),
    ("please dont leave it outside, it gets wet", [("please dont leave it outside, it gets wet", True, False)]),
    ("dont leave it with 12, they can be funny about it",
     [("dont leave it with 12, they can be funny about it", True, False)]),
    ("don't leave it outside, it can't go in the shed either",
     [("don't leave it outside, it can't go in the shed either", True, False)]),
])
def test_a_refusal_then_where_it_can_go_said_with_a_subject_is_its_correction(message, parts):
    assert [(c.text, c.negated, c.corrects) for c in clauses(message)] == parts


@pytest.mark.parametrize(("message", "parts"), [
    ("482913 and can u make it thursday", ["482913", "can u make it thursday"]),
    ("482913 pls make it thursday", ["482913", "pls make it thursday"]),
    ("yes, could you change it to friday", ["yes", "could you change it to friday"]),
    ("can we make that friday", ["can we make that friday"]),
])
def test_make_it_asked_for_after_an_answer_is_a_request_not_a_correction(message, parts):
    found = clauses(message)
    assert [c.text for c in found] == parts and not any(c.corrects for c in found)


@pytest.mark.parametrize(("message", "settled"), [
    ("leave it with 6, can u make it 8", "8"), ("leave it with 6, pls make it 8", "8"),
    ("leave it in the shed, make it the garage", "the garage"),
])
def test_make_it_after_a_request_still_corrects_it(message, settled):
    last = clauses(message)[-1]
    assert last.text == settled and last.corrects


@pytest.mark.parametrize(("message", "narrows"), [
    ("anything but the locker", True), ("ok anything except the shop", True), ("not the locker", False),
    ("i dont want the locker", False),
])
def test_anything_but_x_alone_only_narrows(message, narrows):
    assert only_narrows(message) is narrows


@pytest.mark.parametrize("clause", [
    "it never arrived", "not delivered yet", "i didnt get it", "no", "no thanks", "not sure",
    "it's not here", "nobody knocked", "not at home today", "don't leave my parcels with 14 any more",
])
def test_statements_and_bare_answers_are_not_refusals(clause):
    assert not is_negated(clause)


@pytest.mark.parametrize(("message", "words"), [
    ("is there one nearer? not piccadilly", ["piccadilly"]),
    ("any other locker except ancoats", ["ancoats"]),
    ("the porch, not the shed", ["shed"]),
])
def test_what_a_message_rules_out(message, words):
    assert excluded(message) == words


def test_a_trailing_not_x_is_a_part_of_its_own():
    parts = clauses("oops i meant the porch not a neighbour")
    assert [p.text for p in parts][-2:] == ["the porch", "not a neighbour"]
    assert parts[-1].negated and not parts[-2].negated


# -- corrections: the last word wins -----------------------------------------------------------------------
@pytest.mark.parametrize(("message", "settled"), [
    ("just leave it with reception at the current address i guess, no wait, put it in the porch",
     "put it in the porch"),
    ("can it go in the shed, sorry i mean the garage", "the garage"),
    ("actually no make it number 8 instead", "number 8"),
    ("tuesday. wait, no, wednesday", "wednesday"),
    ("no, the note should say: beware of the dog, use the side gate", "beware of the dog, use the side gate"),
    ("leave it with 6, no sorry, 8", "8"),
    ("put it behind the bins. Actually no, in the garage please", "in the garage"),
    ("nope, number 14", "number 14"),
])
def test_the_part_after_a_correction_is_what_was_settled(message, settled):
    last = clauses(message)[-1]
    assert last.text == settled and last.corrects
    assert message[last.start:last.end] == settled
    assert has_correction(message)
    assert last_word(message).lower().startswith(settled.lower().split(":")[0][:6])


@pytest.mark.parametrize("message", ["no thanks", "no, leave it as it is", "no, its fine", "no, dont bother"])
def test_a_plain_no_is_not_a_correction(message):
    assert not any(c.corrects for c in clauses(message))


def test_weak_and_strong_corrections():
    assert clauses("no wait, the porch")[-1].strong
    assert clauses("i meant the porch")[-1].strong
    assert not clauses("where is it? actually can you leave it in the porch")[-1].strong


# -- properties for any text -------------------------------------------------------------------------------
_WORDS = st.sampled_from([
    "leave", "it", "with", "number", "9", "and", "tell", "the", "driver", "no", "wait", ",", ".", "?", "not",
    "piccadilly", "actually", "make", "porch", "i", "meant", "dont", "want", "a", "pickup", "point", "please",
    "instead", "sorry", "rather", "than", "!", "also", "can", "you", "when", "is", "my", "parcel", "é", "  ",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=25).map(" ".join))
def test_parts_are_ordered_disjoint_spans_of_the_message(message):
    parts = clauses(message)
    assert parts
    end = 0
    for part in parts:
        assert part.start >= end and part.end <= len(message) or part.text == message
        assert message[part.start:part.end] == part.text or part.text == message
        end = part.end


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_without_error(message):
    parts = clauses(message)
    assert all(isinstance(p.negated, bool) for p in parts)
    assert isinstance(last_word(message), str)
    excluded(message)


# -- "not A, B": what is ruled out, then what is wanted instead ----------------------------------------------
@pytest.mark.parametrize(("message", "refused", "wanted"), [
    ("not the porch, the garage", "not the porch", "the garage"),
    ("no not 3, 5", "no not 3", "5"),
    ("nah not number 5 - number 7", "nah not number 5", "number 7"),
    ("not the shed but the garage", "not the shed", "the garage"),
    ("not with number 4, number 6 please", "not with number 4", "number 6 please"),
    ("not tomorrow, friday", "not tomorrow", "friday"),
    ("not the neighbour! the porch", "not the neighbour", "the porch"),
])
def test_not_a_then_b_is_a_refusal_and_its_correction(message, refused, wanted):
    first, second = clauses(message)
    assert (first.text, first.negated) == (refused, True)
    assert (second.text, second.negated, second.corrects, second.strong) == (wanted, False, True, True)


def test_a_new_request_after_a_refusal_is_no_correction():
    first, second = clauses("i dont want a pickup point. can you leave it with number 5?")
    assert first.negated and not second.corrects


@pytest.mark.parametrize(("message", "settled"), [
    ("sorry number 14 i mean", "number 14"),  # the cue comes last
    ("oops the shed i meant", "the shed"),
    ("sorry i meant number 14 not 12", "number 14"),  # and a number is ruled out like a word
    ("my bad, 16 not 15", "16"),  # an apology before the value is a cue like "sorry" / "oops"
    ("oops, 241 not 214", "241"),
])
def test_a_correction_cue_at_either_end(message, settled):
    parts = clauses(message)
    assert parts[0].corrects and parts[0].text == settled
    assert all(p.negated for p in parts[1:])


@pytest.mark.parametrize(("message", "parts"), [
    ("leave it in the porch and can it come tomorrow afternoon",
     ["leave it in the porch", "can it come tomorrow afternoon"]),
    ("when's the headtorch coming and can the socks go to number 2",
     ["when's the headtorch coming", "can the socks go to number 2"]),
    ("can it come friday and can they leave it in the shed", ["can it come friday", "can they leave it in the shed"]),
])
def test_a_second_request_about_it_or_them_splits_off(message, parts):
    assert _texts(message) == parts


# -- review 5: a strong "no actually", an apology as a cue, a neighbour who is away ---------------------------
def test_no_actually_takes_back_a_different_request():
    first, second = clauses("hold it till friday, no actually just leave it with number 6")
    assert first.text == "hold it till friday" and not first.corrects
    assert (second.text, second.corrects, second.strong) == ("just leave it with number 6", True, True)


@pytest.mark.parametrize(("message", "settled"), [
    ("15. my bad, 16", "16"),
    ("number 4. sorry, number 6", "number 6"),
    ("the shed, my mistake, the garage", "the garage"),
])
def test_an_apology_between_two_values_corrects_the_first(message, settled):
    last = clauses(message)[-1]
    assert (last.text, last.corrects, last.strong) == (settled, True, True)
    assert last_word(message) == settled


def test_an_apology_that_opens_no_correction_is_no_part():
    assert _texts("sorry to bother you, where is it") == ["sorry to bother you", "where is it"]
    assert not any(c.corrects for c in clauses("sorry to bother you, where is it"))


@pytest.mark.parametrize(("message", "refused", "wanted"), [
    ("number 12 is away, try 14", "number 12 is away", "try 14"),
    ("no 12 isnt in so try 14", "no 12 isnt in", "try 14"),
    ("not with the old lady at 12, she's away. number 10 is fine", "not with the old lady at 12, she's away",
     "number 10 is fine"),
    ("not 12, they're on holiday, go with 10", "not 12, they're on holiday", "go with 10"),
])
def test_a_neighbour_who_is_away_is_refused_and_the_next_one_corrects(message, refused, wanted):
    first, second = clauses(message)
    assert (first.text, first.negated) == (refused, True)
    assert (second.text, second.negated, second.corrects, second.strong) == (wanted, False, True, True)


def test_who_is_away_beside_a_request_is_a_refusal_of_its_own():
    first, second = clauses("leave it with number 10, number 12 is away")
    assert (first.text, first.negated) == ("leave it with number 10", False)
    assert (second.text, second.negated) == ("number 12 is away", True)
