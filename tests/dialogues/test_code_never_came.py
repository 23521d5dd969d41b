"""At the one-time-code prompt, a shopper saying the code never came is asking for another, in any words:
RESEND is the word we offer, but "didnt get a code" or "code hasn't arrived" means the same."""

from __future__ import annotations

import pytest

from dialogues.subflows.verify import asks_for_another


@pytest.mark.parametrize("text", [
    "RESEND", "resend pls", "send it again", "can you send another", "new code please", "didnt get a code",
    "never got the code", "no code came", "code hasn't arrived", "I haven't received anything",
    "nothing came through", "still waiting for it", "wheres the code", "the text never came", "not had a text yet",
    "it didn\u2019t come through", "where is it?",
])
def test_the_code_never_came(text):
    assert asks_for_another(text)


@pytest.mark.parametrize("text", ["482913", "its 482 913", "ok", "yes", "cancel", "what code?",
                                  "why do you need a code", "agent", "where is it now", "wheres it at the moment"])
def test_anything_else_is_not_a_resend(text):
    assert not asks_for_another(text)


def test_where_is_it_now_at_the_code_prompt_gets_the_parcel_and_keeps_the_code(runtime, demo):
    """ "where is it now?" asks after the parcel (a code has no "now"): its status, with the code prompt offered
    back, not a second code sent."""
    from tests.review.voice_kit import talk

    _, asked, reply = talk(runtime, "+447700900123", "leave it in the porch", "yes", "where is it now")
    assert "code" in asked, asked
    assert "are on the way" in reply and "I've sent" not in reply, reply
