"""Which parcel a message is about: the one it names wins, what the chat proved carries over, and the
postcode question takes the number and postcode together, a retry, and a "no" without locking anyone out.

Driven through the REST channel (a session id, never a phone) and the engine, as the reviewer did.
"""

from __future__ import annotations

import pytest

from tests.security.security_kit import (
    POSTCODE,
    STRANGER,
    audits,
    changes,
    instructions,
    later,
    latest_code,
    rest,
    set_clock,
    talk,
)

GPS_OWNER = "+447700900987"  # PB100000007GB, signature required
SHOES_OWNER = "+447700900123"  # PB100000001GB
JACKET_OWNER = "+447700900456"  # PB100000002GB, out for delivery
RULES = {"cutoff_time": "23:59", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def _settings(runtime) -> None:  # noqa: ANN001
    from tests.security.security_kit import merchant_settings

    merchant_settings(runtime, rules=RULES)


# -- 1. the parcel named in the message wins --------------------------------------------------------------
def test_a_parcel_named_after_a_refusal_menu_is_the_one_changed(client, runtime, demo):
    _settings(runtime)
    assert "postcode" in rest(client, "lee", "leave PB100000007GB with my neighbour at 14")
    menu = rest(client, "lee", POSTCODE)
    assert "signature" in menu and "hold it at the depot" in menu
    asked = rest(client, "lee", "hold PB100000001GB until friday")
    # Not proven yet: the postcode comes first, and nothing about either parcel is said.
    assert "postcode" in asked and "GPS watch" not in asked and "Trail running shoes" not in asked
    confirm = rest(client, "lee", POSTCODE)
    assert "Just to check" in confirm and "Trail running shoes" in confirm and "GPS watch" not in confirm
    assert "code" in rest(client, "lee", "yes")
    done = rest(client, "lee", latest_code(runtime, SHOES_OWNER))
    assert "Done" in done and "Shall we go back" not in done  # the menu about the other parcel is gone
    [held] = changes(runtime)
    assert held.tracking_number == "PB100000001GB" and held.action == "hold_delivery"


def test_the_owner_of_one_parcel_naming_another_must_prove_it(runtime, demo):
    _settings(runtime)
    talk(runtime, GPS_OWNER, "leave it with my neighbour at 14")
    asked = talk(runtime, GPS_OWNER, "hold PB100000001GB until friday")
    assert "postcode" in asked and "GPS watch" not in asked and "Trail running shoes" not in asked
    assert "Trail running shoes" not in talk(runtime, GPS_OWNER, "M2 5DB")
    assert changes(runtime) == []


def test_naming_the_menus_own_parcel_answers_the_menu(runtime, demo):
    _settings(runtime)
    talk(runtime, GPS_OWNER, "leave it with my neighbour at 14")
    confirm = talk(runtime, GPS_OWNER, "hold PB100000007GB until friday")
    assert "Just to check" in confirm and "GPS watch" in confirm
    talk(runtime, GPS_OWNER, "yes")
    done = talk(runtime, GPS_OWNER, latest_code(runtime, GPS_OWNER))
    assert "Done" in done and "Shall we go back" not in done


# -- 2. what a web chat proved carries over ---------------------------------------------------------------
def test_a_web_chat_keeps_the_parcel_it_proved(client, runtime, demo):
    rest(client, "pat2", "can i see the photo for PB100000003GB")
    assert "/pod/" in rest(client, "pat2", POSTCODE)
    damaged = rest(client, "pat2", "it arrived damaged")
    assert "can't find a parcel" not in damaged and "tracking number" not in damaged
    assert "Camping stove" in damaged


def test_a_web_chat_keeps_the_parcel_after_a_change(client, runtime, demo):
    _settings(runtime)
    rest(client, "pat3", "leave PB100000002GB with number 22")
    assert "Just to check" in rest(client, "pat3", POSTCODE)
    rest(client, "pat3", "yes")
    assert "Done" in rest(client, "pat3", latest_code(runtime, JACKET_OWNER))
    again = rest(client, "pat3", "actually leave it in the shed")
    assert "Just to check" in again and "Rain jacket" in again
    assert "Done" in rest(client, "pat3", "yes")  # the code given minutes ago still stands (15 minutes)
    assert "shed" in instructions(runtime, "PB100000002GB").get("safe_place", "")


def test_the_proof_lapses_and_web_wording_never_says_this_number(client, runtime, demo):
    first = rest(client, "pat4", "where's my parcel")
    assert "which parcel" in first and "this number" not in first
    rest(client, "pat4", "where is PB100000003GB")
    rest(client, "pat4", POSTCODE)
    set_clock(runtime, later(16))
    lapsed = rest(client, "pat4", "it arrived damaged")
    # The number given earlier in the chat is remembered, but its proof has lapsed: only the postcode is asked
    # again, and nothing about the parcel is shown until it is given.
    assert "Camping stove" not in lapsed and "postcode?" in lapsed and "this number" not in lapsed
    assert "Camping stove" in rest(client, "pat4", POSTCODE)


def test_a_fresh_chat_with_no_number_asks_which_parcel(client, runtime, demo):
    rest(client, "pat5", "where's my parcel")
    set_clock(runtime, later(16))
    lapsed = rest(client, "pat5", "it arrived damaged")
    assert "which parcel" in lapsed and "this number" not in lapsed


def test_a_phone_with_no_parcels_still_hears_about_its_number(runtime, demo):
    assert "for this number" in talk(runtime, STRANGER, "where's my parcel")


# -- 3. number and postcode in one message ----------------------------------------------------------------
def test_number_and_postcode_in_one_message(client, runtime, demo):
    for i, text in enumerate(("PB100000002GB M1 4BT", "where is PB100000002GB, postcode M1 4BT")):
        shown = rest(client, f"both-{i}", text)
        assert "Rain jacket" in shown and "postcode?" not in shown
    missed = rest(client, "both-x", "where is PB100000002GB, postcode M2 5DB")
    assert "Rain jacket" not in missed and "couldn't match" in missed
    assert len(audits(runtime, "identify", result="no_match")) == 1


# -- 4. a retry after a wrong postcode --------------------------------------------------------------------
def test_the_right_postcode_after_a_wrong_one(client, runtime, demo):
    rest(client, "retry", "where is PB100000002GB")
    assert "couldn't match" in rest(client, "retry", "M2 5DB")
    assert "Rain jacket" in rest(client, "retry", POSTCODE)


def test_a_retry_still_counts_every_miss(client, runtime, demo):
    rest(client, "retry2", "where is PB100000002GB")
    for n in range(5):
        assert "Rain jacket" not in rest(client, "retry2", f"M{n + 2} 5DB")
    locked = rest(client, "retry2", POSTCODE)
    assert "paused" in locked and "Rain jacket" not in locked


def test_a_corrected_number_after_a_miss_is_asked_about_afresh(client, runtime, demo):
    rest(client, "fix", "where is PB100000009GB")
    assert "couldn't match" in rest(client, "fix", POSTCODE)
    assert "postcode" in rest(client, "fix", "sorry it's PB100000002GB")
    shown = rest(client, "fix", POSTCODE)
    assert "Rain jacket" in shown and "Shall we go back" not in shown


def test_asking_again_after_a_miss_offers_no_stale_question(client, runtime, demo):
    rest(client, "again", "where is PB100000002GB")
    rest(client, "again", "M2 5DB")
    assert "postcode" in rest(client, "again", "where is PB100000002GB")
    shown = rest(client, "again", POSTCODE)
    assert "Rain jacket" in shown and "Shall we go back" not in shown


# -- 5. only a postcode-shaped answer is a guess ----------------------------------------------------------
def test_no_leaves_the_postcode_question_without_a_miss(client, runtime, demo):
    rest(client, "nope", "where is PB100000002GB")
    out = rest(client, "nope", "no")
    assert "couldn't match" not in out and "postcode" not in out
    assert audits(runtime, "identify", result="no_match") == []
    assert "Rain jacket" not in rest(client, "nope", POSTCODE)  # the question is closed, not still open


def test_junk_answers_are_re_asked_and_never_lock_out_the_recipient(client, runtime, demo):
    for n in range(6):
        rest(client, f"junk-{n}", "where is PB100000002GB")
        out = rest(client, f"junk-{n}", "'; DROP TABLE shipments; --" if n % 2 else "no idea mate")
        assert "couldn't match" not in out
    assert audits(runtime, "identify", result="no_match") == []
    rest(client, "real", "where is PB100000002GB")
    assert "Rain jacket" in rest(client, "real", POSTCODE)


def test_a_junk_answer_is_asked_again_then_the_postcode_works(client, runtime, demo):
    rest(client, "junk", "where is PB100000002GB")
    again = rest(client, "junk", "SELECT * FROM shipments")
    assert "postcode" in again and "couldn't match" not in again
    assert "Rain jacket" in rest(client, "junk", POSTCODE)


def test_five_real_guesses_still_lock_after_junk(client, runtime, demo):
    rest(client, "mix", "where is PB100000002GB")
    assert "postcode" in rest(client, "mix", "SELECT postcode FROM shipments")
    for n in range(5):
        assert "couldn't match" in rest(client, "mix", f"M{n + 2} 5DB")
    assert "paused" in rest(client, "mix", POSTCODE)
    assert len(audits(runtime, "identify", result="no_match")) == 5


@pytest.mark.parametrize(("region", "postcode", "junk", "wrong", "right"), [
    ("US", "94105", "SELECT zip FROM shipments", "94107", "94105"),  # a ZIP is the guess
    ("IE", "D02 X285", "it is on the fridge somewhere", "D02 X286", "d02x285"),  # elsewhere: postal-code shaped
])
def test_the_merchants_postal_code_shape_is_the_guess(client, runtime, demo, region, postcode, junk, wrong, right):
    from tests.security.security_kit import edit_shipment, merchant_settings

    merchant_settings(runtime, region=region)
    edit_shipment(runtime, "PB100000002GB", postcode=postcode)
    rest(client, region, "where is PB100000002GB")
    assert "couldn't match" not in rest(client, region, junk)
    assert "couldn't match" in rest(client, region, wrong)
    assert "Rain jacket" in rest(client, region, right)
    assert len(audits(runtime, "identify", result="no_match")) == 1
