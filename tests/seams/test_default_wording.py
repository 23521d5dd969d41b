"""Default wording is plain GSM-7 (no curly quotes, en/em dashes, "…" or no-break spaces), every variant of every
template, and so are the times and lists the code puts into it: one such character makes a text UCS-2 and
doubles what the shopper's texts cost."""

from __future__ import annotations

from bot.core.sms import cost, not_gsm7
from bot.core.wording import clean_value, load_catalogue
from dialogues.kit.answers import free_text


def test_every_default_template_is_gsm7():
    bad = {}
    for key, template in load_catalogue().items():
        for text in (template.text, *template.by_channel.values()):
            if not_gsm7(text):
                bad[key] = sorted(not_gsm7(text))
    assert bad == {}


def test_what_the_code_puts_in_is_gsm7_too(runtime, demo):
    from tests.helpers import say

    replies = say(runtime, "I need to reschedule")  # slots with times: "tomorrow 08:00-12:00"
    assert any("08:00-12:00" in r for r in replies)
    assert all(not not_gsm7(r) for r in replies), replies
    assert not not_gsm7(clean_value("x" * 400)) and not not_gsm7(free_text("y" * 300, 100))


def test_the_cost_of_a_text():
    assert cost("Hi").encoding == "GSM-7" and cost("a" * 160).segments == 1 and cost("a" * 161).segments == 2
    assert cost("{}").units == 4  # the extension table counts twice
    assert cost("It’s here").encoding == "UCS-2" and cost("é" * 70).segments == 1
    assert cost("’" * 71).segments == 2
