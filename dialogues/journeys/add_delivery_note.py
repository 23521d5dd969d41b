"""A note for the driver ("ring twice", "gate code is 4821"), cleaned, length-limited, and safe with secrets.

Access codes (gate, door, keypad, key-safe, building) are secrets: the note shows "[code]" in their place,
and the codes are sealed (Turn.seal_codes, bot/core/secrets_box.py) and ride with the change as
"access_code_enc", opened only for the carrier's call or the driver's manifest. A reply never contains one
(it says "I'll pass the gate code to the driver privately"), and the engine stores the shopper's message
with the code blanked out.
"""

from __future__ import annotations

import re

from backend.types import ActionKind, DeliveryAction
from bot.core.redaction import CODE_MASK
from bot.core.secrets_box import KINDS_SLOT, SECRET_FIELD
from dialogues.base import Flow, Turn, register
from dialogues.kit.driver_text import codes_phrase, driver_text
from dialogues.kit.formatting import parcel_label
from dialogues.subflows.change import option_for, propose, unavailable
from dialogues.subflows.identify import shipment_for

flow = register(Flow("add_delivery_note", amend="note"))

NOTE_MAX = 160  # fits a driver's screen and one SMS; the reference carrier takes up to 200















# -- reading the note out of a request ------------------------------------------------------------------
_PREAMBLE = re.compile(
    r"^(?:(?:hi|hello|hey)\b[\s,!.]*)?(?:(?:can|could|would)\s+(?:you|i|u)\s+)?(?:please\s+|pls\s+|plz\s+)?"
    r"(?:i\s+(?:just\s+)?(?:want|need|would\s+like|'d\s+like|wanna)\s+(?:to\s+)?|i'?d\s+like\s+to\s+|let\s+me\s+)?"
    r"(?:(?:add|leave|put|send|give|pass(?:\s+on)?|write)\s+(?:a\s+|an\s+|some\s+)?"
    r"(?:(?:delivery|driver)\s+)?(?:note|message|instructions?)"
    r"(?:\s+(?:for|to)\s+(?:the\s+)?(?:driver|courier|delivery\s+(?:driver|person)))?"
    r"|(?:tell|tel|tll|ask|let)\s+(?:the\s+|da\s+|ur\s+|your\s+)?(?:driver|drivr|drver|drvr|courier|courrier)"
    r"(?:\s+know)?"
    r"|(?:note\s+for\s+(?:the\s+)?driver|(?:delivery|driver)\s+(?:note|instructions?)|note))"
    r"(?:\s*(?:saying|that\s+says|that|to\s+say|to\b|:|-)\s*|\s+|$)",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:please|pls|plz|thanks|thank\s+you|ta|for\s+(?:the\s+)?(?:driver|courier)|for\s+(?:my|the)\s+"
    r"(?:parcel|delivery|order)|on\s+(?:my|the)\s+(?:parcel|delivery|order)|\?|\.|\s)*$",
    re.IGNORECASE,
)


_THANKS_AT_END = re.compile(r"(?<=\w)[\s,.!]*\b(?:thanks|thank\s+you|thx|ta|cheers)[\s.!]*$",
                            re.IGNORECASE)


def note_from(turn: Turn) -> str | None:
    """What the note should say, if this message says it (not just "can you add a note?")."""
    text = turn.text
    for name in ("tracking_number", "order_number"):
        entity = turn.nlu.entity(name)
        if entity:
            text = text[: entity.start] + text[entity.end :]
    body = _PREAMBLE.sub("", text.strip(), count=1)
    body = _THANKS_AT_END.sub("", body)  # "... at the gate, thanks": the thanks is for us, not the driver
    if _FILLER.fullmatch(body) or sum(ch.isalnum() for ch in body) < 2:
        return None
    return body


# -- the journey ----------------------------------------------------------------------------------------
@flow.start
def start(turn: Turn) -> None:
    note = note_from(turn) if turn.nlu.intent == flow.name else None
    if note is not None:
        _remember_note(turn, note)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    shipment = shipment_for(turn, then="with_shipment")
    if shipment is None:
        return
    option = option_for(turn, shipment, ActionKind.ADD_DELIVERY_NOTE)
    if option is None or not option.available:
        unavailable(turn, option)
        return
    if turn.slots.get("note") is None:
        turn.ask("note", "utter_note_ask", free_text=True, limit=NOTE_MAX)
        return
    if len(turn.slots["note"]) > NOTE_MAX:
        turn.remember(note=None, **{SECRET_FIELD: None, KINDS_SLOT: None})
        turn.say("utter_note_too_long", limit=NOTE_MAX)
        turn.ask("note", "utter_note_ask", free_text=True, limit=NOTE_MAX)
        return
    _propose(turn, shipment)


@flow.step("note")
def answer(turn: Turn) -> None:
    note = note_from(turn)
    if note is None or sum(ch.isalnum() for ch in driver_text(note)) < 2:
        turn.reask()
        return
    _remember_note(turn, note)
    with_shipment(turn)


def _remember_note(turn: Turn, raw: str) -> None:
    """Keep the note with any access code shown as "[code]"; the code itself only sealed, for the driver
    (Turn.seal_codes). A new note brings its own codes: those of a replaced one are forgotten."""
    note = driver_text(turn.seal_codes(raw, mask=True, fresh=True))
    if CODE_MASK not in note:
        turn.remember(**{SECRET_FIELD: None, KINDS_SLOT: None})
    turn.remember(note=note)


_CODE_TALK = re.compile(
    r"\b(?:the|my|our|is|it'?s|for|code|codes|pin|gate|door|key|safe|keysafe|building|block|entry|entrance"
    r"|front|main|back|side|access|intercom|buzzer|lobby|alarm|and|number|no)\b|[^\w]",
    re.IGNORECASE,
)


def _only_codes(note: str) -> bool:
    """The note says nothing but the code(s): "gate code is [code]"."""
    return not _CODE_TALK.sub("", note.replace(CODE_MASK, ""))


def _propose(turn: Turn, shipment) -> None:  # noqa: ANN001 - backend.types.Shipment
    note, kinds = turn.slots["note"], turn.slots.get(KINDS_SLOT) or []
    parcel = parcel_label(shipment)
    if kinds and _only_codes(note):  # change.propose adds that the code goes to the driver privately
        summary = turn.render("utter_note_summary_code_only", parcel=parcel, codes=codes_phrase(turn, kinds))
    else:
        summary = turn.render("utter_note_summary", parcel=parcel, note=note)
    propose(turn, shipment, DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, {"note": note}), summary)
