"""Plural items agree: "Your Trail running shoes are on the way", "Your GPS watch is on the way"
(bot/core/grammar.py)."""

from __future__ import annotations

import re

import pytest

from bot.core.grammar import is_plural
from bot.core.wording import fill
from tests.helpers import say

PLURAL = ["Hiking boots", "Trail running shoes", "Jeans", "Wool socks (3 pairs)", "T-shirts", "Headphones",
          "Sunglasses", "Camping stove (+1 more)", "Mug (x2)", "2 x T-shirt", "3 candles", "Kids' wellies",
          "Men's waterproof trousers (size 32)"]
SINGULAR = ["GPS watch", "Headtorch", "Dress", "Pair of socks", "Box of chocolates", "Camera lens", "Bus",
            "Set of 3 mugs", "PB100000001GB", "Rain jacket", "Compass", "Cactus", "Box set series", ""]


@pytest.mark.parametrize("name", PLURAL)
def test_plural_items(name):
    assert is_plural(name)


@pytest.mark.parametrize("name", SINGULAR)
def test_singular_items(name):
    assert not is_plural(name)


def test_a_template_agrees_with_its_value():
    template = "Your {parcel} {parcel|is/are} on the way and {parcel|has/have} left the depot."
    assert fill(template, {"parcel": "Hiking boots"}) == "Your Hiking boots are on the way and have left the depot."
    assert fill(template, {"parcel": "GPS watch"}) == "Your GPS watch is on the way and has left the depot."
    assert fill("{missing|is/are}", {}) == "is"  # no value: singular, never a crash


def test_a_merchant_override_can_agree_too():
    from backend import models as m
    from bot.core.wording import Wording

    shop = m.Merchant(id=1, slug="shop", name="Shop", timezone="Europe/London",
                      settings={"responses": {"utter_greet": "Your {brand} {parcel} {parcel|looks/look} great"}})
    render = Wording().render
    assert render("utter_greet", merchant=shop, parcel="Boots") == "Your Shop Boots look great"
    assert render("utter_greet", merchant=shop, parcel="Watch") == "Your Shop Watch looks great"


def test_status_replies_agree(runtime, demo):
    shoes = " ".join(say(runtime, "where is my parcel", sender="+447700900123"))
    assert "Trail running shoes (PB100000001GB) are on the way" in shoes, shoes
    watch = " ".join(say(runtime, "where is my parcel", sender="+447700900987"))
    assert "GPS watch (PB100000007GB) is on the way" in watch, watch


# What stands for the parcel after its name agrees with it too: "Your Trail running shoes haven't been delivered
# yet, so they can't be returned"; "we'll hold your Hiking boots at the depot ..., then deliver them" (review 7).
# "it" that is something else (the order, the claim, the return, the van, "leave it as it is") stays.
_IT_FOR_THE_PARCEL = re.compile(
    r"\b(?:it (?:can't|arrives|needs|was left|turns up|turned up|usually takes)|it's missing"
    r"|(?:deliver|send|sent|had|place for|wrong with) it\b)"
)


def test_a_pronoun_for_plural_items_agrees_in_every_default_template():
    from bot.core.wording import load_catalogue

    bad = {}
    for key, template in load_catalogue().items():
        for text in (template.text, *template.by_channel.values()):
            if "{parcel}" not in text:
                continue
            rendered = fill(text, {"parcel": "Hiking boots"})
            if _IT_FOR_THE_PARCEL.search(rendered):
                bad[key] = rendered
    assert bad == {}


@pytest.mark.parametrize(("template", "boots", "watch"), [
    ("so {parcel|it/they} can't be returned", "so they can't be returned", "so it can't be returned"),
    ("then deliver {parcel|it/them}.", "then deliver them.", "then deliver it."),
    ("Once {parcel|it arrives/they arrive}, send", "Once they arrive, send", "Once it arrives, send"),
])
def test_pronouns_agree(template, boots, watch):
    assert fill(template, {"parcel": "Hiking boots"}) == boots
    assert fill(template, {"parcel": "GPS watch"}) == watch
