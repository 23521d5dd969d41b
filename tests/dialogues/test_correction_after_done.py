"""A correction right after a change was made ("Done: ... with number 14" then "oops i meant 41 not 14") asks for
that change again with the corrected value, through the usual confirmation (kit/afterthought.py; no new code while
the proof holds).

Before: "sorry i meant 41 not 14" after "Done" was out of scope ("I'm Acme Outdoor's delivery assistant..."), and
"wait, I said thursday but meant friday" offered Thursday again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from aftersales_kit import LONDON, changes, latest_code, talk, text_of, texted

OWN = "+447700900123"  # PB100000001GB, in transit, due tomorrow


def _made(runtime, request: str, *answers: str) -> str:  # noqa: ANN001
    """Ask for a change, answer its questions, confirm with YES and the code: the "Done" reply."""
    for answer in (request, *answers):
        talk(runtime, OWN, answer)
    talk(runtime, OWN, "yes")
    done = text_of(talk(runtime, OWN, latest_code(runtime, OWN)))
    assert done.startswith("Done"), done
    return done


def _day(ahead: int) -> datetime:
    return datetime.now(LONDON) + timedelta(days=ahead)


NEIGHBOURS = ["sorry i meant 41 not 14", "oops i meant 41", "Whoops, should be 41 not 14", "41 not 14 sorry",
              "I said 14 but meant 41", "my bad, meant to say number 41", "oops, number 41"]


@pytest.mark.parametrize("correction", NEIGHBOURS)
def test_a_neighbours_number_corrected_after_done_is_proposed_again(runtime, every_day, correction):
    _made(runtime, "can you leave it with number 14 if im out")
    codes = len(texted(runtime, OWN))
    reply = text_of(talk(runtime, OWN, correction))
    assert "Just to check" in reply and "number 41" in reply and "replaces leaving it with number 14" in reply, reply
    done = text_of(talk(runtime, OWN, "yes"))
    assert done.startswith("Done") and "number 41" in done, done
    assert len(texted(runtime, OWN)) == codes  # still proven: no second code
    assert [c.params["neighbour"] for c in changes(runtime, "leave_with_neighbour")] == ["number 14", "number 41"]


@pytest.mark.parametrize("correction", ["wait, I said {old} but meant {new}", "oops i meant {new} not {old}",
                                        "Sorry, I meant {new}", "my bad, it should be {new}, not {old}",
                                        "actually {new}"])
def test_a_day_corrected_after_done_offers_the_day_meant(runtime, every_day, correction):
    old, new = _day(3), _day(4)
    _made(runtime, f"can you deliver it {old:%A}", "1")
    reply = text_of(talk(runtime, OWN, correction.format(old=f"{old:%A}".lower(), new=f"{new:%A}")))
    day = f"{new:%a} {new.day} {new:%b}"
    slots = [line for line in reply.splitlines() if line[:1].isdigit()]
    assert slots and all(day in line for line in slots), reply


def test_a_house_number_corrected_after_an_address_change(runtime, every_day):
    _made(runtime, "can you send it to 14 Oak Street, Manchester M1 2AB instead")
    reply = text_of(talk(runtime, OWN, "oops sorry i meant 41 not 14"))
    assert "Just to check" in reply and "41 Oak Street, Manchester M1 2AB" in reply, reply


def test_a_safe_place_corrected_after_done(runtime, every_day):
    _made(runtime, "can you leave it in the porch")
    reply = text_of(talk(runtime, OWN, "sorry I meant the shed not the porch"))
    assert "Just to check" in reply and "the shed" in reply, reply


@pytest.mark.parametrize("message", ["i meant where is it now", "41 not 14", "not bad thanks", "sorry, thank you"])
def test_what_corrects_no_part_of_the_change_keeps_its_reading(runtime, every_day, message):
    """After a new day was made, "41 not 14" names nothing of it; "i meant where is it" asks where it is."""
    _made(runtime, f"can you deliver it {_day(3):%A}", "1")
    reply = text_of(talk(runtime, OWN, message))
    assert "Just to check" not in reply and "Which of these" not in reply, reply
    if "where" in message:
        assert "on the way" in reply, reply


def test_a_correction_is_heard_right_after_done_only(runtime, every_day):
    """Once the shopper has moved on (another message between), "i meant 41" corrects nothing made."""
    _made(runtime, "can you leave it with number 14 if im out")
    talk(runtime, OWN, "where is it now")
    reply = text_of(talk(runtime, OWN, "oops i meant 41 not 14"))
    assert "number 41" not in reply, reply
