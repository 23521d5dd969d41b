"""New addresses: only the address goes on the label, the town agrees with the postcode, the carrier's area
rule comes before any code, and "is my address right?" changes nothing and shows the full address only
after a code (review D9, D19)."""

from __future__ import annotations

import pytest
from aftersales_kit import changes, latest_code, merchant_settings, shipment_row, talk, text_of
from sqlalchemy import func, select

from backend import models as m
from bot.core.messages import InboundMessage

OWN = "+447700900123"  # PB100000001GB, in transit to 12 Acacia Avenue, Manchester M1 4BT (may stay in M1)
TWO = "+447700900654"  # PB100000005GB in transit and PB100000006GB (order 100236) not sent yet: anywhere
WATCH = "+447700900987"  # PB100000007GB, in transit


def _codes_sent(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.OneTimeCode))


def _confirm(runtime, sender: str) -> str:  # noqa: ANN001
    talk(runtime, sender, "yes")
    return text_of(talk(runtime, sender, latest_code(runtime, sender)))


@pytest.mark.parametrize("text", [
    "please change the delivery address for order 100236 to 20 Deansgate, Manchester M3 2BW",
    "order #100236 - can u send it to 20 deansgate manchester m3 2bw instead pls",
    "Hi, I've moved. Could you redirect order 100236 to: 20 Deansgate, Manchester, M3 2BW? Thanks",
    "ship order 100236 to 20 Deansgate M3 2BW please",
])
def test_only_the_address_goes_on_the_label(runtime, demo, text):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    reply = text_of(talk(runtime, TWO, text))
    assert "20 Deansgate, Manchester M3 2BW instead" in reply
    done = _confirm(runtime, TWO)
    [change] = changes(runtime, "change_delivery_address")
    assert change.reference in done
    assert change.params["address"] == {"line1": "20 Deansgate", "city": "Manchester", "postcode": "M3 2BW",
                                        "country": "GB"}


def test_the_town_comes_from_the_postcode_never_from_the_old_address(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    reply = text_of(talk(runtime, TWO, "can u send order 100236 to my mums in leeds instead, 5 Park Row LS1 5HD"))
    assert "5 Park Row, Leeds LS1 5HD" in reply
    _confirm(runtime, TWO)
    row = shipment_row(runtime, "PB100000006GB")
    assert (row.address_line1, row.city, row.postcode) == ("5 Park Row", "Leeds", "LS1 5HD")


def test_a_town_that_contradicts_the_postcode_is_asked_about_before_anything_is_confirmed(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    reply = text_of(talk(runtime, TWO, "change the address for order 100236 to 5 Park Row, Manchester LS1 5HD"))
    assert "LS1 is Leeds, not Manchester: which is right?" in reply and "Just to check" not in reply
    reply = text_of(talk(runtime, TWO, "2"))  # the town is right, so the postcode was wrong: only it is asked
    assert "postcode for 5 Park Row, Manchester" in reply
    reply = text_of(talk(runtime, TWO, "M4 1HQ"))
    assert "5 Park Row, Manchester M4 1HQ instead" in reply
    assert _codes_sent(runtime) == 0


@pytest.mark.parametrize(("answer", "then"), [
    ("leeds", "5 Park Row, Leeds LS1 5HD instead"),
    ("1", "5 Park Row, Leeds LS1 5HD instead"),
    ("the postcode's right", "5 Park Row, Leeds LS1 5HD instead"),
    ("Manchester, the postcode is wrong", "postcode for 5 Park Row, Manchester?"),
    ("2", "postcode for 5 Park Row, Manchester?"),
    ("oh sorry its M3 2BW", "5 Park Row, Manchester M3 2BW instead"),
])
def test_each_answer_to_which_is_right_settles_it(runtime, demo, answer, then):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    talk(runtime, TWO, "change the address for order 100236 to 5 Park Row, Manchester LS1 5HD")
    assert then in text_of(talk(runtime, TWO, answer))


def test_an_invalid_postcode_is_never_proposed(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    reply = text_of(talk(runtime, OWN, "change my delivery address to 5 Oak Street, Manchester M1 4CX"))
    assert "doesn't look right" in reply and "postcode for 5 Oak Street, Manchester" in reply
    assert "Just to check" not in reply
    reply = text_of(talk(runtime, OWN, "M1 2AB"))
    assert "5 Oak Street, Manchester M1 2AB" in reply and "Just to check" in reply


def test_only_the_missing_part_is_asked_for(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    assert "house number and street" in text_of(talk(runtime, OWN, "please change my address to M1 2AB"))
    assert "Just to check" not in text_of(talk(runtime, OWN, "hmm"))
    assert "9 Mill Lane, Manchester M1 2AB" in text_of(talk(runtime, OWN, "9 Mill Lane"))


def test_the_new_address_is_applied_after_the_code(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    talk(runtime, OWN, "can you send it to 5 Oak Street, Manchester M1 2AB instead")
    done = _confirm(runtime, OWN)
    [change] = changes(runtime, "change_delivery_address")
    assert change.reference in done
    row = shipment_row(runtime, "PB100000001GB")
    assert (row.address_line1, row.city, row.postcode) == ("5 Oak Street", "Manchester", "M1 2AB")


@pytest.mark.parametrize("text", [
    "change my address to 10 Downing Street, London SW1A 2AA",
    "can it go to my work instead? 1 Deansgate M3 1AZ",
    "redirect to M2 5DB pls",
])
def test_another_area_is_refused_before_any_confirmation_or_code(runtime, demo, text):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    reply = text_of(talk(runtime, OWN, text))
    assert "same delivery area (M1)" in reply and "Just to check" not in reply
    assert _codes_sent(runtime) == 0
    assert shipment_row(runtime, "PB100000001GB").postcode == "M1 4BT"


def test_an_address_in_another_country_is_refused_first(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    reply = text_of(talk(runtime, TWO, "change the address on order 100236 to 55 Market St, Boston, MA 02109"))
    assert "same country" in reply and "Just to check" not in reply
    assert _codes_sent(runtime) == 0


def test_after_the_cutoff_nothing_is_asked(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "00:00", "cutoff_days_before": 2})
    reply = text_of(talk(runtime, OWN, "change my delivery address to 5 Oak Street, Manchester M1 2AB"))
    assert "closed at" in reply and "Just to check" not in reply
    assert _codes_sent(runtime) == 0


@pytest.mark.parametrize("text", [
    "what address is it going to? i want to check its got my house number right",
    "is my address right",
    "Could you please confirm the delivery address you hold for my order?",
])
def test_checking_the_address_changes_nothing_and_masks_it(runtime, demo, text):
    reply = text_of(talk(runtime, WATCH, text))
    assert "12 ***, M1 ***" in reply and "Acacia" not in reply and "4BT" not in reply
    assert "new address" not in reply.lower() and "postcode" not in reply.lower()
    assert "Great" in text_of(talk(runtime, WATCH, "yes thats right"))
    assert changes(runtime, "change_delivery_address") == [] and _codes_sent(runtime) == 0


def test_the_full_address_is_shown_only_after_a_code(runtime, demo):
    talk(runtime, WATCH, "is my address right")
    reply = text_of(talk(runtime, WATCH, "3"))
    assert "Acacia" not in reply and "code" in reply
    assert "Acacia" not in text_of(talk(runtime, WATCH, "123456"))  # a wrong code shows nothing
    reply = text_of(talk(runtime, WATCH, latest_code(runtime, WATCH)))
    assert "12 Acacia Avenue, Manchester M1 4BT" in reply


def test_a_web_chat_stranger_sees_the_address_masked_and_needs_a_code_for_the_rest(runtime, demo):
    def web(text: str) -> str:
        return text_of(runtime.engine.handle(InboundMessage("rest", "web-check-1", "demo", text)).replies)

    web("PB100000007GB M1 4BT")
    reply = web("is it going to the right address??")
    assert "12 ***, M1 ***" in reply and "Acacia" not in reply
    reply = web("Show it in full")
    assert "Acacia" not in reply and "ending 987" in reply
    assert "12 Acacia Avenue" in web(latest_code(runtime, WATCH))


def test_checking_then_changing_keeps_the_check_out_of_the_new_address(runtime, demo):
    merchant_settings(runtime, rules={"cutoff_time": "23:59"})
    talk(runtime, WATCH, "has it got my flat number on")
    reply = text_of(talk(runtime, WATCH, "no its wrong, it should be Flat 3, 12 Acacia Avenue M1 4BT"))
    assert "Flat 3, 12 Acacia Avenue, Manchester M1 4BT instead" in reply


def test_every_address_reply_fits_two_texts_with_realistic_values():
    from bot.core.sms import cost
    from bot.core.wording import fill, load_catalogue

    values = {"address": "Flat 12, 140 Wilmslow Road, Rusholme, Manchester M14 5AB", "parcel": "Wool socks (3 pairs)",
              "code_name": "postcode", "area": "M14", "place": "M14", "expected": "Manchester",
              "given": "Stoke-on-Trent", "postcode": "M14 5AB", "limit": "100", "brand": "Acme Outdoor",
              "town": "Stoke-on-Trent"}
    catalogue = load_catalogue()
    keys = [k for k in catalogue if k.startswith(("utter_address_", "reason_address_", "label_address_"))]
    assert len(keys) > 20
    for key in keys:
        for text in (catalogue[key].text, *catalogue[key].by_channel.values()):
            assert cost(fill(text, values)).segments <= 2, key
    summary = fill(catalogue["utter_address_summary"].text, values)
    assert cost(fill(catalogue["utter_confirm_change"].text, {"summary": summary})).segments <= 2


def test_a_parcel_that_cant_be_changed_can_still_be_checked(runtime, demo):
    from aftersales_kit import edit_shipment

    edit_shipment(runtime, "PB100000007GB", status="exception")  # changes paused at the depot (review T51)
    reply = text_of(talk(runtime, WATCH, "what address is it going to? want to check the flat number is on it"))
    assert "12 ***, M1 ***" in reply and "can't do that" not in reply


# -- a house number corrected on its own -------------------------------------------------------------------------
@pytest.mark.parametrize("correction", ["sorry i meant 41 not 14", "41 not 14", "should be 41",
                                        "oops, it's actually 41", "I meant number 41"])
def test_a_house_number_corrected_at_the_read_back_keeps_the_rest(runtime, demo, correction):
    """Before: "sorry i meant 41 not 14" was answered "I need at least the house number and street", "41 not 14"
    with "Sorry, I didn't catch that", and "should be 41" started the address over."""
    talk(runtime, OWN, "can you change my address")
    assert "14 Oak Road" in text_of(talk(runtime, OWN, "14 Oak Road, M1 4BT"))
    again = text_of(talk(runtime, OWN, correction))
    assert "41 Oak Road, Manchester M1 4BT" in again and "Just to check" in again, again
    assert "Done" in _confirm(runtime, OWN)
    [change] = changes(runtime, "change_delivery_address")
    assert change.params["address"]["line1"] == "41 Oak Road", change.params


def test_a_number_corrected_while_the_postcode_is_asked_keeps_the_street(runtime, demo):
    talk(runtime, OWN, "can you change my address")
    talk(runtime, OWN, "14 Oak Road")
    reply = text_of(talk(runtime, OWN, "i meant number 41"))
    assert "41 Oak Road" in reply and "Number 41" not in reply, reply


@pytest.mark.parametrize(("text", "line1", "fixed"), [
    ("41 not 12", "14 Oak Road", None),  # 12 is not the number given: not this correction
    ("i meant 41 oak road", "14 Oak Road", None),  # a street with it: a whole new line, read as one
    ("i meant 14b", "14 Oak Road", "14B Oak Road"),
    ("no i meant the 2nd", "14 Oak Road", None),
    ("sorry 57 not 55", "55 Oak Ave Apt 3", "57 Oak Ave Apt 3"),
    ("should be 41", "Flat 2, 14 Oak Road", None),  # which number? asked about, not guessed
    # another part's number (a review of the rule found these read as the house number)
    ("sorry the zip should be 10002", "14 Oak Road", None),
    ("the flat number should be 12", "14 Oak Road", None),
    ("apt 3, not 14", "14 Oak Road", None),
    ("yes but make it 10 am", "14 Oak Road", None),
])
def test_which_messages_correct_the_house_number(text, line1, fixed):
    from dialogues.kit.address_corrections import corrected_house_number

    assert corrected_house_number(text, line1) == fixed


def test_a_number_at_the_postcode_question_is_the_postcode_unless_named_as_the_house(runtime, demo):
    """ "i meant 90210" answers the ZIP/postcode question; only "number 41" or "41 not 14" corrects the house."""
    from dialogues.kit.address_corrections import corrected_house_number

    assert corrected_house_number("i meant 2000", "14 Oak Road") == "2000 Oak Road"  # the rule alone would
    talk(runtime, OWN, "can you change my address")
    talk(runtime, OWN, "14 Oak Road")
    reply = text_of(talk(runtime, OWN, "i meant 2000"))
    assert "2000 Oak Road" not in reply, reply
