"""The checks a merchant's wording passes before it is saved (bot/services/templates.py, template_check.py):
broken syntax, each unknown and each missing required variable by name, the SMS encoding with the characters
that force UCS-2 and those that count twice, and the 3-segment refusal once filled with long sample values."""

from __future__ import annotations

import pytest

from bot.core.samples import sample_values
from bot.core.sms import cost
from bot.core.wording import Wording
from bot.services.templates import Templates

SERVICE = Templates(Wording())
NEIGHBOUR = "utter_neighbour_summary"  # "if you're out, the driver will leave your {parcel} with {who}."
# A whole message with the same variables (the summary above is a part of a message: previewed inside it).
WHOLE = "utter_next_step_neighbour"  # "Shall I ask the driver to leave your {parcel} with {who}, ...?"
CODE = "utter_code_message"  # the one-time code text: {code} is required


def _check(text: str, channel: str | None = "sms", name: str = WHOLE, **kw):  # noqa: ANN202
    return SERVICE.check(name, channel, text, **kw)


@pytest.mark.parametrize("text,expected", [
    ("leave it with {who", "unbalanced braces: a { with no }"),
    ("leave it with who}", "unbalanced braces: a } with no {"),
    ("leave it with {who.name}", "{who.name} is not a plain variable name"),
    ("leave it with {who[0]}", "{who[0]} is not a plain variable name"),
    ("leave it with {0}", "{0}: a variable needs a name"),
    ("leave it with {}", "{}: a variable needs a name"),
    ("leave it with {who!r}", "{who!r}: formatting is not allowed"),
    ("leave it with {who:>30}", "{who:>30}: formatting is not allowed"),
])
def test_broken_syntax_is_named(text, expected):  # noqa: ANN001
    result = _check(text)
    assert not result.ok
    assert expected in result.errors()["text"]
    assert result.preview == ""  # a text we can't read is not filled


def test_each_unknown_variable_is_named():
    result = _check("your {parcel} goes to {who}, {unknown_variable} and {tracking_url}")
    assert result.errors() == {"text": "unknown variable {tracking_url}; unknown variable {unknown_variable}"}


def test_agreement_reads_a_known_variable_and_refuses_an_unknown_one():
    assert _check("your {parcel} {parcel|is/are} going to {who}").ok
    assert _check("your {box|is/are} going to {who}").errors() == {"text": "unknown variable {box}"}


def test_a_missing_required_variable_is_named():
    info = SERVICE.info(CODE)
    assert info.required == ("code",) and "minutes" in info.variables and "brand" in info.variables
    result = _check("{brand}: use the code we sent. It expires in {minutes} minutes.", name=CODE)
    assert result.errors() == {"text": "missing required variable {code}"}
    assert _check("{brand} code: {code}", name=CODE).ok
    assert SERVICE.info(NEIGHBOUR).required == ()  # nothing the shopper must act on: nothing required


def test_the_preview_is_filled_with_the_sample_values_and_the_merchants_brand():
    samples = sample_values()
    result = _check("Hi from {brand}: {who} will take your {parcel}.", brand="Zest Parcels")
    assert result.ok
    assert result.preview == f"Hi from Zest Parcels: {samples['who']} will take your {samples['parcel']}."
    assert result.encoding == "GSM-7" and result.segments == 1 and result.units == len(result.preview)


def test_ucs2_characters_are_named_in_order():
    result = _check("\u201cYour\u201d {parcel} \u2013 with {who}\u2026 \u00a0ok \U0001F4E6")
    assert result.ok  # a merchant may choose UCS-2: it is shown, not refused
    assert result.encoding == "UCS-2"
    assert result.forces_ucs2 == ("\u201c", "\u201d", "\u2013", "\u2026", "\u00a0", "\U0001F4E6")
    assert result.units == len(result.preview.encode("utf-16-le")) // 2  # the emoji is two UTF-16 units


def test_characters_that_count_twice_are_named_and_counted():
    plain = _check("your {parcel} goes to {who} (ok)")
    doubled = _check("your {parcel} goes to {who} [ok] ~ ^ | \\ \u20ac {{x}}")
    assert doubled.encoding == "GSM-7"
    assert doubled.counts_twice == ("[", "]", "~", "^", "|", "\\", "\u20ac", "{", "}")
    extra = len(doubled.preview) - len(plain.preview)
    assert doubled.units - plain.units == extra + 9  # each of the nine is one character and two units


def test_more_than_three_segments_after_filling_is_refused_for_sms():
    # 261 characters as typed (two texts), but {parcel} and {who} are long once filled: four texts.
    text = "Your {parcel} goes to {who}. " * 9
    assert len(text) < 2 * 153
    sms = _check(text)
    assert sms.segments == 4 and "too long for SMS: 4 texts" in sms.errors()["text"]
    assert _check(text, channel="rest").ok  # the web chat is not charged per segment
    assert not _check(text, channel=None).ok  # an every-channel text is what SMS sends
    assert _check(text, channel=None, responses={WHOLE: {"sms": "short {who}"}}).ok  # unless SMS has its own


def test_three_ucs2_segments_are_the_limit():
    base = _check("\u2013")
    assert base.segments == 1
    fits = _check("\u2013" * (3 * 67))
    over = _check("\u2013" * (3 * 67 + 1))
    assert fits.ok and fits.segments == 3
    assert not over.ok and over.segments == 4


def test_a_part_of_a_message_is_previewed_and_counted_inside_the_message_it_goes_out_in():
    """A change's summary is sent inside the confirmation ("Just to check: <summary> Reply YES..."): the preview
    and the segment count are the whole text the shopper receives, so a long summary is refused in time."""
    part = _check("if nobody answers, we'll hand your {parcel} to {who} next door.", name=NEIGHBOUR)
    assert part.ok and part.inside.startswith("utter_confirm_change")
    assert part.preview.startswith("Just to check: if nobody answers") and "YES" in part.preview
    assert part.segments == cost(part.preview).segments >= 2
    alone = _check("if nobody answers, we'll hand your {parcel} to {who} next door.")
    assert alone.inside == "" and alone.segments == 1
    long_part = _check("if nobody answers, we'll hand your {parcel} to {who} next door. " * 4, name=NEIGHBOUR)
    assert not long_part.ok and "too long for SMS" in long_part.errors()["text"]
    assert _check("if nobody answers, we'll hand your {parcel} to {who} next door. " * 4).ok  # alone it would fit


def test_an_empty_text_and_an_unknown_channel_are_refused():
    assert "empty" in _check("   ").errors()["text"]
    assert "channel" in _check("hi {who}", channel="fax").errors()


def test_the_agents_name_in_the_agents_messages_is_a_persons():
    """Review 4: the wording page's sample for {name} in utter_agent_joined was a pickup point's."""
    from bot.core.wording import Wording
    from bot.services.templates import Templates

    templates = Templates(Wording())
    joined = templates.check("utter_agent_joined", "sms", "{name} from the {brand} team has joined.")
    pickup = templates.check("utter_pickup_option", "sms", "{n}) {name}")
    assert "Post Office" not in joined.preview and joined.preview.startswith("Alexandra Okonkwo from")
    assert "Piccadilly Post Office" in pickup.preview  # a pickup point's name where it is one
