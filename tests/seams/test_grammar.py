"""Plural items agree: "Your Trail running shoes are on the way", "Your GPS watch is on the way"
(bot/core/grammar.py)."""

from __future__ import annotations

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
