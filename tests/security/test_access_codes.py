"""Access codes: recognised in every common phrasing, and only there (never a phone, house, order number, time,
date or price); cut out of a place cleanly, "[code]" in a note; sealed together, the last word per kind winning."""

from __future__ import annotations

import pytest

from backend.sealing import CodeBox, codes_of, codes_text
from bot.core.redaction import drop_codes, find_access_codes, mask_codes, redact_log
from bot.core.secrets_box import KINDS_SLOT, SECRET_FIELD, kinds_of, seal, seal_text, unseal

KEY = "test-secret-key"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # a code word before it
        ("gate code is 4821", [("gate", "4821")]),
        ("the code to the building is 5678#", [("building", "5678#")]),
        ("code for the front door is *1122", [("door", "*1122")]),
        ("door code 1 2 3 4", [("door", "1234")]),
        ("gate code:1234", [("gate", "1234")]),
        ("PIN for the key safe = 0613", [("key-safe", "0613")]),
        ("lockbox combo is 0613", [("key-safe", "0613")]),
        ("the passcode's 90210", [("access", "90210")]),
        ("put it behind the side gate, code 3579", [("gate", "3579")]),
        ("entry code 7734 then C", [("entry", "7734")]),
        ("codes are 1234 and 5678", [("access", "1234"), ("access", "5678")]),
        ("gate code 12 34 and door code 5678", [("gate", "1234"), ("door", "5678")]),
        # a keypad verb
        ("press 7790 on the keypad", [("keypad", "7790")]),
        ("punch in 2580 at the barrier", [("car park", "2580")]),
        ("just key in 4242 and push the gate", [("gate", "4242")]),
        # a place and a separator, or a place that takes a code bare
        ("gate: 2468", [("gate", "2468")]),
        ("keypad 1234", [("keypad", "1234")]),
        ("key safe 4455", [("key-safe", "4455")]),
        ("the door's 5678", [("door", "5678")]),
        ("intercom - 0405, flat 3b", [("intercom", "0405")]),
        ("in the key safe by the front door, its 1 9 7 3", [("key-safe", "1973")]),
        # what it does, after it
        ("its 4455 to get in the gate", [("gate", "4455")]),
        ("you need 1357 for the gate", [("gate", "1357")]),
        ("2468 opens the gate", [("gate", "2468")]),
        ("1234 is the gate code", [("gate", "1234")]),
        ("use 4455 at the gate", [("gate", "4455")]),
        ("9090 gets you into the bike store", [("store", "9090")]),
        ("keypad 2727 then press the bell icon", [("keypad", "2727")]),
        ("THE GATE CODE IS 6060!!", [("gate", "6060")]),
        ("to get in the gate its 4455", [("gate", "4455")]),
        # run together, changed, with a keypad letter, several at once
        ("gatecode 1357", [("gate", "1357")]),
        ("the front door code changed to 7890 last week", [("door", "7890")]),
        ("key safe on the wall code C1234", [("key-safe", "C1234")]),
        ("The building entry code is 0911.", [("entry", "0911")]),
        ("Door: 1234, gate: 5678", [("door", "1234"), ("gate", "5678")]),
        ("the combination for the lockbox is 2-4-6-8", [("key-safe", "2468")]),
        ("the gate code is 4455, and 7788 for the front door", [("gate", "4455"), ("door", "7788")]),
    ],
)
def test_access_codes_are_found_in_every_common_phrasing(text, found):
    assert [(c.kind, c.code) for c in find_access_codes(text)] == found


@pytest.mark.parametrize(
    "text",
    [
        "number 22", "M1 4BT", "after 5", "07700 900123", "+44 7700 900123", "call me on 07700 900456",
        "if the code doesn't work call 07700900456", "call 0161 496 0000 if the gate code doesnt work",
        "his mobile is 07700 900555", "leave it with number 16", "flat 104, the door on the left",
        "the gate code is on the lid, flat 104", "12 Acacia Avenue", "leave it at 104 for the door",
        "deliver after 1730", "the gate code is broken, deliver after 1700", "come at 17:30", "on the 9th after 6pm",
        "on 12/12/2026", "order 100236", "order #5521", "PB100000001GB", "£250 parcel", "2 parcels", "ring twice",
        "buzz flat 5", "door 2", "door number 221", "the code u sent is 662017", "my postcode is M1 4BT",
        "promo code 2024", "leave it with my neighbour Dave at 16", "it weighs 1500 g", "since 2019",
        "I live at 1234 Elm Street", "apartment 1204", "zip code 90210", "PO box 1234", "around 1530",
        "on 2026-12-09", "gate code is 1200m from the road", "I paid £120 for it", "my zip is 90210",
    ],
)
def test_numbers_that_open_nothing_are_left_alone(text):
    assert find_access_codes(text) == []
    assert redact_log(text) == text


def test_a_code_followed_by_a_phone_number_is_cut_from_it():
    [code] = find_access_codes("gate code 4821 07700 900123")
    assert code.code == "4821"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("behind the side gate, code 3579", "behind the side gate"),
        ("behind the bin by the side gate, gate code is 4821", "behind the bin by the side gate"),
        ("in the key safe code 4821", "in the key safe"),
        ("number 22, door code 4821", "number 22"),
        ("number 22 and the gate code is 4455", "number 22"),
        ("behind the bins, its 4455 to get in the gate", "behind the bins"),
        ("the big plant pot by the keypad 1234", "the big plant pot by the keypad"),
        ("in the porch, door code 1 2 3 4", "in the porch"),
        ("gate code is 4821", ""),
        ("in the porch", "in the porch"),
    ],
)
def test_a_place_keeps_its_words_and_loses_the_code(text, place):
    assert drop_codes(text) == place


def test_a_note_keeps_its_words_with_the_code_masked():
    assert mask_codes("its 4455 to get in the gate and ring twice") == "its [code] to get in the gate and ring twice"
    assert redact_log("press 7790 on the keypad") == "press \u2022\u2022\u2022\u2022 on the keypad"


def test_codes_of_one_journey_are_sealed_together_and_the_last_word_wins():
    first = seal_text(KEY, "behind the gate, gate code 1111")
    assert first.text == "behind the gate" and first.slots[KINDS_SLOT] == ["gate"]
    second = seal_text(KEY, "and the door code is 2222", first.slots)
    assert unseal(KEY, second.slots[SECRET_FIELD]) == "gate: 1111; door: 2222"
    third = seal_text(KEY, "sorry the gate is 3333", second.slots)
    assert unseal(KEY, third.slots[SECRET_FIELD]) == "door: 2222; gate: 3333"
    fresh = seal_text(KEY, "keypad 4444", third.slots, mask=True, fresh=True)
    assert fresh.text == "keypad [code]" and unseal(KEY, fresh.slots[SECRET_FIELD]) == "keypad: 4444"
    assert kinds_of(KEY, third.slots[SECRET_FIELD]) == ["door", "gate"]
    assert seal_text(KEY, "in the porch", third.slots).slots == {}  # nothing new: nothing resealed


def test_the_sealed_value_needs_the_key_and_shows_no_code():
    token = seal(KEY, "gate: 4821")
    assert "4821" not in token and unseal(KEY, token) == "gate: 4821"
    assert unseal("another-key", token) is None and unseal(KEY, token[:-4] + "AAAA") is None
    box = CodeBox.from_secret(KEY)
    assert box.unseal(token) == "gate: 4821" and "key" in repr(box) and KEY not in repr(box)


def test_opened_values_read_as_pairs_old_and_new():
    assert codes_of("gate: 4821; door: 5678") == [("gate", "4821"), ("door", "5678")]
    assert codes_of("gate code 4821") == [("gate", "4821")]  # sealed before the format was fixed
    assert codes_text([("key-safe", "0613")]) == "key-safe: 0613"
