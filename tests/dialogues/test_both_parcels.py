"""'Which one?' answered with "both" / "all of them": every parcel's status for a status question; a change (or
anything else about one parcel) is done one parcel at a time and says so, instead of "didn't catch that"."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, latest_code, texted

from backend.types import ActionKind
from dialogues.kit.choices import BOXES, ONE_BOX, POINTING, THEM, picks_all
from dialogues.kit.every_parcel import names_every_parcel
from tests.helpers import say

TWO_PARCELS = "+447700900654"  # PB100000005GB socks, PB100000006GB headtorch


@pytest.mark.parametrize("text", ["both", "Both pls", "both of them", "all of them", "all", "all of em thanks",
                                  "both parcels", "each of them", "everything please"])
def test_answers_that_take_every_parcel(text):
    assert picks_all(text, 2)


@pytest.mark.parametrize("text", ["2", "the first one", "the socks", "both the socks", "not both", "all done",
                                  "that's all", "no"])
def test_answers_that_do_not(text):
    assert not picks_all(text, 2)


def test_both_is_not_every_one_of_three():
    assert not picks_all("both", 3) and picks_all("all of them", 3)


@pytest.mark.parametrize("answer", ["both", "all of them pls"])
def test_a_status_question_answered_with_both_gets_both(runtime, demo, answer):
    say(runtime, "where are my parcels", sender=TWO_PARCELS)
    reply = "\n".join(say(runtime, answer, sender=TWO_PARCELS))
    assert "Headtorch" in reply and "Wool socks" in reply and "Which one" not in reply, reply


def _confirm_with_code(runtime) -> str:  # noqa: ANN001
    """YES, then the code if one is asked for: the replies to the last step."""
    reply = "\n".join(say(runtime, "yes", sender=TWO_PARCELS))
    if "6-digit code" in reply:
        reply = "\n".join(say(runtime, latest_code(runtime, TWO_PARCELS), sender=TWO_PARCELS))
    return reply


@pytest.mark.parametrize(("first", "answer"), [
    ("can u leave it in the porch", "both"),
    ("can u leave it in the porch", "the two of them pls"),
    ("leave them both in the porch please", None),
    ("can you put both parcels in the porch", None),
    ("both of them in the porch pls", None),
])
def test_one_change_for_both_parcels_is_made_for_each_in_turn(runtime, demo, first, answer):
    """"Both" at a change: the first parcel now, the same change for the other next, one code for both (before:
    "pick one first, then ask me again for the other")."""
    reply = "\n".join(say(runtime, first, sender=TWO_PARCELS))
    if answer is not None:
        assert "Which one" in reply
        reply = "\n".join(say(runtime, answer, sender=TWO_PARCELS))
    assert "one at a time" in reply and "Headtorch" in reply and "porch" in reply and "Which one" not in reply, reply
    reply = _confirm_with_code(runtime)
    assert "Done" in reply and "Now the same for your Wool socks" in reply and "porch" in reply, reply
    reply = _confirm_with_code(runtime)
    assert "Done" in reply and "Wool socks" in reply, reply
    made = {c.tracking_number: str(c.params) for c in changes(runtime, ActionKind.LEAVE_IN_SAFE_PLACE.value)
            if c.status == "accepted"}
    assert set(made) == {"PB100000005GB", "PB100000006GB"} and all("porch" in v for v in made.values()), made
    codes = [b for b in texted(runtime, TWO_PARCELS) if "code" in b.lower()]
    assert len(codes) == 1, codes  # the proof covers the second parcel too


@pytest.mark.parametrize("text", ["we're both out tomorrow, leave it in the porch",
                                  "both of us are at work, can it go in the porch"])
def test_both_about_the_people_is_not_both_parcels(runtime, demo, text):
    reply = "\n".join(say(runtime, text, sender=TWO_PARCELS))
    assert "one at a time" not in reply and "Which one" in reply, reply


@pytest.mark.parametrize(("text", "count", "every"), [
    ("leave them both in the porch", 2, True), ("both parcels to the shop", 2, True),
    ("all of them in the shed", 3, True), ("leave all my parcels with number 4", 3, True),
    ("both in the porch", 3, False), ("we're both out", 2, False), ("both of us are out", 2, False),
    ("leave it in the porch", 2, False), ("all good, leave it in the porch", 2, False),
])
def test_a_request_that_names_every_parcel(text, count, every):
    assert names_every_parcel(text, count) is every


def _every_one_of_them() -> list[tuple[str, bool]]:
    """Each way the shared word table (dialogues/kit/choices.py) says "every one of them", and whether it is "both"
    (every one of two only)."""
    said = [(f"{q} of {t}", False) for t in THEM for q in ("all", "each", "every one")]
    said += [(f"{t} all", False) for t in THEM] + [(f"both of {t}", True) for t in THEM] + [(f"{t} both", True)
                                                                                             for t in THEM]
    for box in BOXES:
        said += [(f"all {box}", False), (f"both {box}", True)]
        said += [(f"{q} {p} {box}", q.startswith("both")) for p in POINTING
                 for q in ("all", "all of", "each of", "both", "both of")]
    return said + [(f"{q} {box}", False) for box in ONE_BOX for q in ("every", "each")]


@pytest.mark.parametrize(("words", "both"), _every_one_of_them())
def test_an_answer_and_a_request_agree_on_the_words_for_every_one_of_them(words, both):
    """One table of words for "every one of them", read by both: an answer at "Which one?" (picks_all) and a request
    that names every parcel itself (names_every_parcel). Before, each had its own list, and they disagreed: "both
    boxes" was every parcel in a request and no answer at the list, "every parcel" and "all of those parcels" the
    same, "both my parcels" an answer but not a request."""
    for count in (2, 3):
        every = count == 2 or not both
        assert picks_all(words, count) is every, (words, count)
        assert names_every_parcel(f"leave {words} in the porch", count) is every, (words, count)
