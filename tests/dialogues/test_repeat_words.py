"""Which words ask for the bot's last message again (dialogues/kit/repeat.py): review 9."""

from __future__ import annotations

import pytest

from dialogues.kit.repeat import asks_for_it_again


@pytest.mark.parametrize("text", ["can you text me again", "send me that again", "can u send that again pls",
                                  "Could you resend that message?", "text me that again", "say that again?",
                                  "can you send me the link again please", "resend"])
def test_asking_for_the_last_message_again(text):
    assert asks_for_it_again(text)


@pytest.mark.parametrize("text", ["text me again when its out", "send it to the locker again", "send it again",
                                  "can you try again tomorrow", "can you deliver it again"])
def test_a_request_with_again_in_it_is_not_a_resend(text):
    assert not asks_for_it_again(text)
