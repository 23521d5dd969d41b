"""Every default reply fits in two SMS segments (a list of choices in three) once it is filled with the values a
real parcel gives it: the shopper pays per segment, and a reply that splits into four arrives out of order on
some phones. The values (bot/core/samples.py) are realistic, not the shortest possible: an item name of 20 characters, a
full address, a pickup point's name and address, a day named as "tomorrow (Tue 8 Dec)". A value that is
itself a rendered template (a summary, a reason, what happens next) is filled with the longest template of
its kind, so a sub-template that grows fails here too.

Merchants can override any template (bot/core/merchant_config.py); their wording is theirs to size, and the
console (issue 15) shows its cost. This test guards ours."""

from __future__ import annotations

import pytest

from bot.core.samples import ATOMS, FAMILIES, fields, sample_values
from bot.core.sms import cost
from bot.core.wording import fill, load_catalogue

CATALOGUE = load_catalogue()
# ATOMS (what a real parcel puts in) and FAMILIES (placeholders holding another template) live in
# bot/core/samples.py: the merchant console previews a merchant's wording with the same values.

# Templates that carry a list of choices may take three segments (the allowance for lists).
LIST_FIELDS = {"options", "items", "places", "details"}


def _variants():
    for key, template in CATALOGUE.items():
        for channel, text in (("default", template.text), *template.by_channel.items()):
            yield key, channel, text


VALUES = sample_values()


def realistic_values() -> dict[str, str]:
    return dict(VALUES)


def test_the_values_cover_every_placeholder():
    """A new placeholder needs a realistic value here, or its template's length goes unchecked."""
    used = {f for _, _, text in _variants() for f in fields(text)}
    assert used - set(realistic_values()) == set()


def test_the_families_are_filled_from_real_templates():
    values = realistic_values()
    assert set(FAMILIES) <= set(ATOMS)  # each family's placeholder is a variable like any other
    for name in ("summary", "reason", "ready"):
        assert len(values[name]) > 20, name
    assert values["summary"].startswith(("your", "if you're", "the driver", "we'll"))


VARIANTS = list(_variants())


@pytest.mark.parametrize("key,channel,text", VARIANTS, ids=[f"{k}-{c}" for k, c, _ in VARIANTS])
def test_every_default_reply_fits_in_two_texts(key, channel, text):
    filled = fill(text, realistic_values())
    limit = 3 if fields(text) & LIST_FIELDS else 2
    cost_of = cost(filled)
    assert cost_of.encoding == "GSM-7", filled
    assert cost_of.segments <= limit, f"{key} ({channel}): {len(filled)} characters, {cost_of.segments} texts: {filled}"


def test_the_check_can_fail():
    """The measure itself: a reply of 307 GSM-7 characters is three texts."""
    assert cost("a" * 306).segments == 2 and cost("a" * 307).segments == 3
