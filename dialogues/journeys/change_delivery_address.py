"""Send it to a different address (or check the one on file): read the address, check it, read it back whole.

1. The address is read out of what the shopper wrote (dialogues/kit/address_text.py): "for order 100236 to"
   and "instead please" are not part of it. Every part given is kept until the journey ends; a part given
   again replaces the one before.
2. The carrier's terms come first: an address outside the area a dispatched parcel may go to (the option's
   address_area), or in another country, is refused with the reason before anything is confirmed or a
   code is sent.
3. What is missing or contradictory is asked for on its own, keeping the rest (dialogues/kit/address.py):
   "What's the postcode for 20 Deansgate, Manchester?", "LS1 is Leeds, not Manchester: which is right?".
4. The whole new address (line 1, line 2, town, postcode) is read back in the confirmation, then the usual
   code and change (dialogues/subflows/change.py).
"Is my address right?" never starts a change (review D19): the address on file is read back masked, and in
full only after a one-time code; the shopper can then change it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from backend.reasons import because
from backend.types import ActionKind, ActionOption, Address, DeliveryAction, Shipment
from bot.core.messages import Choice
from bot.core.wording import Rendered
from dialogues.base import Flow, Turn, register
from dialogues.kit.address import PART_MAX, NewAddress, Review, in_area, review, settle
from dialogues.kit.address_corrections import corrected_house_number, corrected_postcode
from dialogues.kit.address_text import (
    Reading,
    added_unit,
    asks_to_check,
    read_address,
    unit_answer,
    unit_asked_for,
    without_unit,
)
from dialogues.kit.answers import yes_or_no
from dialogues.kit.choices import pick
from dialogues.kit.formatting import parcel_label
from dialogues.subflows.change import propose
from dialogues.subflows.identify import shipment_for
from dialogues.subflows.next_step import adopt_parked_menu, eligible_shipment, refuse_with_alternatives
from dialogues.subflows.verify import require_code


def _corrects_the_number(text: str, slots: dict) -> bool:
    """ "sorry i meant 41 not 14" at the address read back: the house number only (kit/address_text)."""
    return corrected_house_number(text, (slots.get("address") or {}).get("line1")) is not None


flow = register(Flow("change_delivery_address", amend="address", values=("house_number", "postcode", "zip_code"),
                     corrected_by=_corrects_the_number))
KIND = ActionKind.CHANGE_ADDRESS
_SKIP = ("tracking_number", "order_number", "phone_number", "email")
_NEED = {"address": "utter_address_need_detail", "postcode": "utter_address_need_postcode",
         "line1": "utter_address_need_line1", "town": "utter_address_need_town"}


@flow.start
def start(turn: Turn) -> None:
    adopt_parked_menu(turn)
    if turn.nlu.intent == flow.name and not _wants_check(turn):
        _take(turn, _read(turn, None))
    with_shipment(turn)


def _wants_check(turn: Turn) -> bool:
    """ "Is my address right?" with no new address in it: read the one on file back, change nothing."""
    reading = _read(turn, None)
    if not reading.address.empty or reading.bad_postcode or not asks_to_check(turn.text):
        return False
    turn.remember(checking=True)
    return True


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    if turn.slots.get("checking"):
        shipment = shipment_for(turn, then="with_shipment")
        if shipment is not None:
            _read_back(turn, shipment, full=False)
        return
    found = eligible_shipment(turn, KIND)
    if found is not None:
        _next(turn, *found)


def _next(turn: Turn, shipment: Shipment, option: ActionOption) -> None:
    """Ask for the next thing the address needs, or refuse it, or read it back for confirmation."""
    address = NewAddress.from_slots(turn.slots.get("address"))
    unit, fixed = turn.slots.get("unit"), turn.slots.get("postcode_only")
    if (unit or fixed) and address.empty:  # "add flat 3", "its M1 4BU not M1 4BT": the address on file, amended
        _propose_amended(turn, shipment, option, unit=str(unit or ""), postcode=str(fixed or ""))
        return
    kind = turn.slots.get("unit_kind")
    if kind and address.empty:  # "i need to add my flat number": that number, not a whole new address
        turn.ask("unit", "utter_address_ask_unit", free_text=True, kind=str(kind).lower(),
                 address=shipment.address.masked())
        return
    country = shipment.address.country or "GB"
    code_name = _code_name(turn, address.country or country)
    bad = turn.slots.get("bad_postcode")
    if bad:
        turn.remember(bad_postcode=None)
        turn.say("utter_address_bad_postcode", postcode=bad, code_name=code_name)
    if _refused(turn, shipment, option, address, country):
        return
    checked = review(address, country=country, town_hint=turn.slots.get("town_hint"))
    if checked.too_long:
        turn.remember(address={})
        turn.say("utter_address_too_long", limit=PART_MAX)
        _ask_whole(turn, option, code_name)
    elif checked.expected:
        _ask_which(turn, checked, code_name)
    elif checked.need == "address":
        _ask_whole(turn, option, code_name)
    elif checked.need:
        so_far = checked.address.one_line()
        key = f"utter_address_ask_{checked.need}"
        turn.ask(checked.need, key, free_text=checked.need != "postcode", address=so_far, code_name=code_name)
    else:
        _propose(turn, shipment, checked.address)


def _refused(turn: Turn, shipment: Shipment, option: ActionOption, address: NewAddress, country: str) -> bool:
    """The carrier's own terms, before any confirmation or code: the same country, and the delivery area a
    dispatched parcel has to stay in. Refused: the reason, then what the shopper can do instead."""
    reason = None
    if address.country and address.country != country:
        reason = "address_other_country"
    elif option.address_area and address.postcode and not in_area(address.postcode, option.address_area):
        reason = "redirect_outside_area"
    if reason is None:
        return False
    code = because(reason, area=option.address_area) if reason == "redirect_outside_area" else because(reason)
    refuse_with_alternatives(turn, shipment, ActionOption(KIND, False, reason_code=code), KIND)
    return True


def _ask_whole(turn: Turn, option: ActionOption, code_name: str) -> None:
    if option.address_area:
        turn.ask("address", "utter_address_ask_in_area", free_text=True, area=option.address_area,
                 code_name=code_name)
    else:
        turn.ask("address", "utter_address_ask", free_text=True, code_name=code_name)


def _ask_which(turn: Turn, checked: Review, code_name: str) -> None:
    """ "LS1 is Leeds, not Manchester: which is right?" (1: the postcode's town, 2: theirs, then a new postcode)."""
    expected, given = checked.expected or "", checked.given or ""
    turn.remember(mismatch={"expected": expected, "given": given})
    key = "utter_address_state_mismatch" if checked.address.country == "US" else "utter_address_town_mismatch"
    choices = (Choice("1", expected),
               Choice("2", str(turn.render("utter_address_choice_given", given=given, code_name=code_name))))
    turn.ask("mismatch", key, choices=choices, place=checked.place or "", expected=expected, given=given,
             code_name=code_name)


def _propose(turn: Turn, shipment: Shipment, address: NewAddress) -> None:
    summary = turn.render("utter_address_summary", parcel=parcel_label(shipment), address=address.one_line())
    propose(turn, shipment, DeliveryAction(KIND, {"address": address.params()}), summary)


def _propose_amended(turn: Turn, shipment: Shipment, option: ActionOption, *, unit: str, postcode: str) -> None:
    """The address on file with a flat added at the start of its first line ("add flat 3") or its postcode corrected
    ("its M1 4BU not M1 4BT"). It is read back only in part ("12 ***, M1 ***"), as "is my address right?" shows it:
    no one unproven is shown it whole, and the shopper didn't type it."""
    a, country = shipment.address, shipment.address.country or "GB"
    line1 = f"{unit}, {without_unit(a.line1)}" if unit else a.line1
    address = NewAddress(line1, a.line2 or None, a.city or None, postcode or a.postcode or None, a.country or None)
    if postcode and _refused(turn, shipment, option, address, country):
        return
    values = {"unit": unit} if unit else {"postcode": postcode, "code_name": _code_name(turn, country)}
    summary = turn.render("utter_address_added_summary" if unit else "utter_address_postcode_summary",
                          parcel=parcel_label(shipment), address=a.masked(), **values)
    propose(turn, shipment, DeliveryAction(KIND, {"address": address.params()}), summary)


# -- the answers ---------------------------------------------------------------------------------------
@flow.step("unit")
def unit_number(turn: Turn) -> None:
    """ "14", "its 3b": the flat's number, added to the address on file; anything more is read as an address."""
    unit = unit_answer(turn.text, str(turn.slots.get("unit_kind") or "Flat"))
    turn.remember(unit_kind=None)
    if unit is None:
        _answer(turn, "address")
        return
    turn.remember(unit=unit)
    with_shipment(turn)


@flow.step("address")
def whole_address(turn: Turn) -> None:
    _answer(turn, "address")


@flow.step("postcode")
def postcode(turn: Turn) -> None:
    _answer(turn, "postcode")


@flow.step("line1")
def line1(turn: Turn) -> None:
    _answer(turn, "line1")


@flow.step("town")
def town(turn: Turn) -> None:
    _answer(turn, "town")


def _answer(turn: Turn, asked: str) -> None:
    """Whatever parts the answer gives are kept (a whole corrected address too); nothing usable is asked
    again, and a plain "no" / "never mind" ends it with nothing changed."""
    if _wants_check(turn):  # "wait, what address have you got now?"
        with_shipment(turn)
        return
    given = NewAddress.from_slots(turn.slots.get("address"))
    # As sent: "not 14" is blanked from turn.text. At the postcode question "i meant 90210" is the postcode: there
    # only a number named as the house's ("i meant number 41", "41 not 14") corrects it.
    sent = turn.message.text
    named = asked != "postcode" or re.search(r"\b(?:number|no\.?|house|not)\b", sent, re.IGNORECASE)
    fixed = corrected_house_number(sent, given.line1) if named else None
    if fixed is not None:  # "sorry i meant 41 not 14": the number only, the rest as given
        turn.remember(address=replace(given, line1=fixed).to_slots())
        with_shipment(turn)
        return
    reading = _read(turn, asked)
    given_unit = asked == "address" and (added_unit(turn.text, skip=_skipped(turn), country=_country(turn))
                                         or unit_asked_for(turn.text))
    if reading.address.empty and not reading.bad_postcode and not given_unit:  # "flat number is 9": a unit given
        if yes_or_no(turn) is False:
            turn.finish()
            turn.say("utter_change_not_made")
            return
        turn.reask(_NEED[asked], code_name=_code_name(turn, _country(turn)))
        return
    _take(turn, reading)
    with_shipment(turn)


_WRONG = r"[^.?!,]{0,20}\b(?:wrong|incorrect|not\s+right|isn'?t\s+right|a\s+typo|mistake)"
_POSTCODE = r"\b(?:post\s*code|zip(?:\s*code)?)\b"
_TOWN = r"\b(?:town|city|state)\b"
_POSTCODE_WRONG = re.compile(rf"{_POSTCODE}{_WRONG}|\b(?:wrong|new)\s+{_POSTCODE}", re.IGNORECASE)
_TOWN_WRONG = re.compile(rf"{_TOWN}{_WRONG}|\bwrong\s+{_TOWN}", re.IGNORECASE)


@flow.step("mismatch")
def mismatch(turn: Turn) -> None:
    """1 (or the postcode's town named): keep the postcode. 2 (or their town): keep the town, ask the postcode
    again. A new postcode or town typed instead is taken as the correction it is."""
    asked = turn.slots.get("mismatch") or {}
    expected, given = str(asked.get("expected") or ""), str(asked.get("given") or "")
    index = 1 if _POSTCODE_WRONG.search(turn.text) else 0 if _TOWN_WRONG.search(turn.text) else None
    if index is None:
        index = pick(turn.text, [expected, given])
    if index is None:
        index = 0 if re.search(_POSTCODE, turn.text, re.I) else 1 if re.search(_TOWN, turn.text, re.I) else None
    address = NewAddress.from_slots(turn.slots.get("address"))
    if index is None:
        reading = _read(turn, None)
        if not (reading.address.postcode or reading.address.town or reading.address.state):
            turn.reask()
            return
        _take(turn, reading)
    else:
        if not address.town and address.country != "US":  # the town was a hint ("my mum's in Leeds")
            address = replace(address, town=given)
        address = settle(address, keep_postcode=index == 0, expected=expected)
        turn.remember(address=address.to_slots(), town_hint=None)
    turn.remember(mismatch=None)
    with_shipment(turn)


# -- "is my address right?" -----------------------------------------------------------------------------
def _read_back(turn: Turn, shipment: Shipment, *, full: bool) -> None:
    """The address on file: masked, or whole once a code has proven the shopper is the recipient."""
    a = shipment.address
    shown = ", ".join(p for p in (a.line1, a.line2, f"{a.city} {a.postcode}".strip()) if p) if full else a.masked()
    turn.say("utter_address_on_file_full" if full else "utter_address_on_file", parcel=parcel_label(shipment),
             address=shown)
    labels = ["utter_address_choice_right", "utter_address_choice_change"] + ([] if full else
                                                                            ["utter_address_choice_full"])
    choices = tuple(Choice(str(i), str(turn.render(key))) for i, key in enumerate(labels, 1))
    turn.remember(tracking_number=shipment.tracking_number, shown_full=full)
    turn.ask("check", "utter_address_check_question_full" if full else "utter_address_check_question",
             choices=choices)


_RIGHT = re.compile(r"\b(?:right|correct|fine|perfect|good|thats it|that's it|all good|spot on)\b", re.IGNORECASE)
_CHANGE_IT = re.compile(r"\b(?:change|wrong|update|fix|different|incorrect|not right|isn'?t right)\b", re.IGNORECASE)
_FULL = re.compile(r"\b(?:full|whole|all of it|show|see)\b", re.IGNORECASE)


def _checked_shipment(turn: Turn) -> Shipment | None:
    """The parcel whose address is being checked, else (gone since) the check ends with "cancelled"."""
    tracking = turn.slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None:
        turn.finish()
        turn.say("utter_cancelled")
    return shipment


@flow.step("check")
def check(turn: Turn) -> None:
    """1 / "yes, that's right": done. 2 / "no" / "it's wrong" / a new address: change it. 3 / "show it": in full."""
    shipment = _checked_shipment(turn)
    if shipment is None:
        return
    reading = _read(turn, None)
    choice = _check_answer(turn, reading)
    if choice == "right":
        turn.finish()
        turn.say("utter_address_check_ok")
    elif choice == "change":
        turn.remember(checking=False, shown_full=None)
        _take(turn, reading)
        with_shipment(turn)
    elif choice == "full" and not turn.slots.get("shown_full"):
        show_full(turn)
    else:
        turn.reask()


def _check_answer(turn: Turn, reading: Reading) -> str | None:
    if re.fullmatch(r"\W*[123]\W*", turn.text):
        return ("right", "change", "full")[int(re.sub(r"\D", "", turn.text)) - 1]
    if not reading.address.empty or _CHANGE_IT.search(turn.text) or yes_or_no(turn) is False:
        return "change"
    if _FULL.search(turn.text):
        return "full"
    if yes_or_no(turn) or _RIGHT.search(turn.text):
        return "right"
    return None


@flow.step("show_full")
def show_full(turn: Turn) -> None:
    """Only after a one-time code to the recipient (or what the merchant's policy for "view_address" accepts)."""
    shipment = _checked_shipment(turn)
    if shipment is None:
        return
    if require_code(turn, shipment, action="view_address", then="show_full"):
        turn.audit("view_address", "shown", subject=shipment.tracking_number)
        _read_back(turn, shipment, full=True)


# -- reading what was said ------------------------------------------------------------------------------
def _read(turn: Turn, expect: str | None) -> Reading:
    given = turn.nlu.entity("address")  # a Rasa server may tag the address itself
    if given is not None and expect is None:
        return read_address(given.value, country=_country(turn), expect="address")
    return read_address(turn.text, skip=_skipped(turn), country=_country(turn), expect=expect)


def _skipped(turn: Turn) -> list[tuple[int, int]]:
    """Where the message names the order or parcel, not the address."""
    return [(e.start, e.end) for e in turn.nlu.entities if e.entity in _SKIP]


def _take(turn: Turn, reading: Reading) -> None:
    """Keep every part this message gave (the last word wins), and what it said about the postcode or town."""
    address = NewAddress.from_slots(turn.slots.get("address"))
    on_file = _on_file(turn)  # not known yet in a first message: "not M1 4BT" still tells the old one apart
    country = _country(turn, on_file)
    unit = added_unit(turn.text, skip=_skipped(turn), country=country) if address.empty else None
    if unit:  # "it's flat 3": a line added to the address on file (_propose_amended)
        turn.remember(unit=unit)
        return
    fixed = corrected_postcode(turn.text, on_file.postcode if on_file else None, country) if address.empty else None
    if fixed:  # "my postcode is wrong, its M1 4BU not M1 4BT": the address on file, that postcode
        turn.remember(postcode_only=fixed)
        return
    if address.empty and reading.address.empty and (kind := unit_asked_for(turn.text)):
        turn.remember(unit_kind=kind)  # "forgot my flat number": asked for that number alone
        return
    new = reading.address
    turn.remember(address=address.merged(new).to_slots(), unit=None)
    if reading.bad_postcode:
        turn.remember(bad_postcode=reading.bad_postcode, address=address.merged(new).without("postcode").to_slots())
    if reading.town_hint:
        turn.remember(town_hint=reading.town_hint)
    elif new.town:
        turn.remember(town_hint=None)


def _on_file(turn: Turn) -> Address | None:
    """The address of the parcel being changed, once it is known (the first message may not name it yet)."""
    tracking = turn.slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    return shipment.address if shipment is not None else None


def _country(turn: Turn, on_file: Address | None = None) -> str:
    """The parcel's country (`on_file`: its address, when the caller has read it already), else the merchant's."""
    on_file = on_file or _on_file(turn)
    if on_file is not None and on_file.country:
        return on_file.country
    return turn.config.region


def _code_name(turn: Turn, country: str) -> Rendered:
    return turn.render("label_address_zip_code" if country == "US" else "label_address_postcode")
