"""Review 5 of the changes since ead023c. Each test is one defect found driving the real engine, the API or the
function that changed, and fails today (xfail strict): the input is in the test, the expected behaviour in its
assertion."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backend import models as m
from bot.core.messages import clean_text
from bot.core.wording import Wording, clean_value
from bot.services.console import _text as console_text
from bot.services.wording_fit import brand_fit
from tests.api.support import api_key, auth  # noqa: F401 - fixtures
from tests.helpers import say

DUE_TOMORROW = "+447700900123"  # PB100000001GB, in transit, due tomorrow (Tue 8 Dec in the demo clock)
DELIVERED = "+447700900789"  # PB100000003GB, delivered yesterday, with a POD photo


def _talk(runtime, sender: str, *texts: str) -> list[str]:  # noqa: ANN001
    return ["\n".join(say(runtime, text, sender=sender)) for text in texts]


def _claims(runtime) -> list[m.DeliveryChange]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.DeliveryChange).where(m.DeliveryChange.action == "claim_not_received")))


# --- 1. a refused day read as the day wanted (dialogues/kit/when_wanted.py _OPENING_NO) ---------------------------

@pytest.mark.parametrize("refusal", ["no thursday, i work", "no thursday please"])
def test_no_thursday_at_the_slot_list_never_offers_thursday(runtime, demo, refusal):  # noqa: ANN001
    _, reply = _talk(runtime, DUE_TOMORROW, "can i change the delivery day", refusal)
    assert not re.search(r"^\d+\) Thu 10 Dec", reply, re.M), reply


def test_no_friday_delivery_please_does_not_offer_friday(runtime, demo):  # noqa: ANN001
    (reply,) = _talk(runtime, DUE_TOMORROW, "no friday delivery please")
    assert not re.search(r"^\d+\) Fri 11 Dec", reply, re.M), reply


# --- 2. "found it ... wrong house" opens a claim (dialogues/kit/claims.py _MISSING) -------------------------------

@pytest.mark.parametrize("answer", ["found it, it went to the wrong house but they brought it round",
                                    "yes next door had it, the driver took it to the wrong house"])
def test_found_at_the_wrong_house_is_found_not_a_claim(runtime, demo, answer):  # noqa: ANN001
    _talk(runtime, DELIVERED, "it says delivered but its not here")
    (reply,) = _talk(runtime, DELIVERED, answer)
    assert "glad" in reply.lower(), reply
    assert _claims(runtime) == []


# --- 3. the acknowledgement swallowing "it's not here" (dialogues/journeys/smalltalk.py) --------------------------

@pytest.mark.parametrize("answer", ["nope not here", "no it hasnt"])
def test_denying_a_delivery_is_not_acknowledged_with_ok(runtime, demo, answer):  # noqa: ANN001
    _, reply = _talk(runtime, DELIVERED, "where is my parcel", answer)
    assert not reply.startswith("OK. Anything else"), reply


# --- 4. non-GSM-7 brand names refused outright (bot/services/wording_fit.py) --------------------------------------

@pytest.mark.parametrize("name", ["Zoë Outdoor", "חנות דני", "متجر علي"])
def test_a_name_outside_gsm7_is_a_warning_not_a_refusal(name):
    fit = brand_fit(Wording(), {}, brand=name, sign_off=None)
    assert fit.errors == {} and fit.warnings, fit


def test_the_api_saves_a_hebrew_brand_name(client, auth):  # noqa: ANN001, F811
    put = client.put("/api/v1/settings", headers=auth, json={"brand": {"name": "חנות דני"}})
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["warnings"], put.get_json()


# --- 5. legitimate invisible characters stripped (bot/core/unseen.py) ---------------------------------------------

WALES = "\U0001F3F4\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F"  # a tag sequence, not a black flag
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # one emoji joined by ZWJ
PERSIAN = "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627"  # Mohammad-Reza, ZWNJ between the two names


def test_a_shoppers_welsh_flag_is_kept():
    assert clean_text(f"diolch {WALES}") == f"diolch {WALES}"


@pytest.mark.parametrize("value", [PERSIAN, f"Sam {FAMILY}"])
def test_a_wording_value_keeps_its_joiners(value):
    assert clean_value(value) == value


@pytest.mark.parametrize("value", [PERSIAN, f"Thanks {FAMILY}"])
def test_an_agents_reply_keeps_its_joiners(value):
    assert console_text(value) == value
