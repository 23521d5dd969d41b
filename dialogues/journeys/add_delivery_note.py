"""A note for the driver ("ring twice", "gate code is 4821"), cleaned, length-limited, and safe with secrets.

Access codes (gate, door, key-safe, building) are secrets: they are cut out of the note, sealed with
bot/secrets_box and sent to the carrier only as "access_code_enc" for that delivery's manifest. A reply
never contains one (it says "the gate code you gave"), and the stored copy of the shopper's message is
redacted the moment the code is read.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from backend import models as m
from backend.types import ActionKind, DeliveryAction
from bot.core.redaction import CODE_MASK, AccessCode, find_access_codes, mask_codes
from bot.core.secrets_box import SECRET_FIELD, seal
from bot.core.wording import Rendered
from dialogues.base import Flow, Turn, register
from dialogues.kit.driver_text import driver_text
from dialogues.kit.formatting import parcel_label
from dialogues.subflows.change import option_for, propose, unavailable
from dialogues.subflows.identify import shipment_for

flow = register(Flow("add_delivery_note", amend="note"))

NOTE_MAX = 160  # fits a driver's screen and one SMS; the reference carrier takes up to 200















def redact_inbound(turn: Turn, codes: list[AccessCode]) -> None:
    """The stored copy of this message must not keep the code in clear: mask it in place."""
    if not codes or turn.conversation.id is None:
        return
    row = turn.session.scalar(
        select(m.Message)
        .where(m.Message.conversation_id == turn.conversation.id, m.Message.direction == "in")
        .order_by(m.Message.id.desc())
        .limit(1)
    )
    if row is None or not row.body:
        return
    body = row.body
    for code in codes:
        body = re.sub(r"[\s-]?".join(re.escape(c) for c in code.code), CODE_MASK, body)
    row.body = body


# -- reading the note out of a request ------------------------------------------------------------------
_PREAMBLE = re.compile(
    r"^(?:(?:hi|hello|hey)\b[\s,!.]*)?(?:(?:can|could|would)\s+(?:you|i|u)\s+)?(?:please\s+|pls\s+|plz\s+)?"
    r"(?:i\s+(?:just\s+)?(?:want|need|would\s+like|'d\s+like|wanna)\s+(?:to\s+)?|i'?d\s+like\s+to\s+|let\s+me\s+)?"
    r"(?:(?:add|leave|put|send|give|pass(?:\s+on)?|write)\s+(?:a\s+|an\s+|some\s+)?"
    r"(?:(?:delivery|driver)\s+)?(?:note|message|instructions?)"
    r"(?:\s+(?:for|to)\s+(?:the\s+)?(?:driver|courier|delivery\s+(?:driver|person)))?"
    r"|(?:tell|ask|let)\s+(?:the\s+)?(?:driver|courier)(?:\s+know)?"
    r"|(?:note\s+for\s+(?:the\s+)?driver|(?:delivery|driver)\s+(?:note|instructions?)|note))"
    r"(?:\s*(?:saying|that\s+says|that|to\s+say|to\b|:|-)\s*|\s+|$)",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:please|pls|plz|thanks|thank\s+you|ta|for\s+(?:the\s+)?(?:driver|courier)|for\s+(?:my|the)\s+"
    r"(?:parcel|delivery|order)|on\s+(?:my|the)\s+(?:parcel|delivery|order)|\?|\.|\s)*$",
    re.IGNORECASE,
)


def note_from(turn: Turn) -> str | None:
    """What the note should say, if this message says it (not just "can you add a note?")."""
    text = turn.text
    for name in ("tracking_number", "order_number"):
        entity = turn.nlu.entity(name)
        if entity:
            text = text[: entity.start] + text[entity.end :]
    body = _PREAMBLE.sub("", text.strip(), count=1)
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
        turn.remember(note=None, access_code_enc=None, code_kinds=None)
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
    """Keep the note with any access code masked; the code itself only sealed. Never the clear code."""
    codes = find_access_codes(raw)
    redact_inbound(turn, codes)
    note = driver_text(mask_codes(raw, codes))
    sealed = None
    if codes:
        clear = "; ".join(f"{c.kind}: {c.code}" for c in codes)
        sealed = seal(turn.settings.secret_key, clear)
    kinds = list(dict.fromkeys(c.kind for c in codes))
    turn.remember(note=note, access_code_enc=sealed, code_kinds=kinds or None)


_CODE_TALK = re.compile(
    r"\b(?:the|my|our|is|it'?s|for|code|codes|pin|gate|door|key|safe|keysafe|building|block|entry|entrance"
    r"|front|main|back|side|access|intercom|buzzer|lobby|alarm|and|number|no)\b|[^\w]",
    re.IGNORECASE,
)


def _only_codes(note: str) -> bool:
    """The note says nothing but the code(s): "gate code is [code]"."""
    return not _CODE_TALK.sub("", note.replace(CODE_MASK, ""))


def _code_phrase(turn: Turn, kinds: list[str]) -> Rendered:
    if len(kinds) == 1:
        return turn.render("utter_note_code_one", kind=kinds[0])
    return turn.render("utter_note_code_many", kinds=" and ".join(kinds))


def _propose(turn: Turn, shipment) -> None:  # noqa: ANN001 - backend.types.Shipment
    slots = turn.slots
    note, sealed, kinds = slots["note"], slots.get("access_code_enc"), slots.get("code_kinds") or []
    params = {"note": note}
    if sealed:
        params[SECRET_FIELD] = sealed
    parcel = parcel_label(shipment)
    if not kinds:
        summary = turn.render("utter_note_summary", parcel=parcel, note=note)
    elif _only_codes(note):
        summary = turn.render("utter_note_summary_code_only", parcel=parcel, codes=_code_phrase(turn, kinds))
    else:
        summary = turn.render("utter_note_summary_with_code", parcel=parcel, note=note,
                              codes=_code_phrase(turn, kinds))
    propose(turn, shipment, DeliveryAction(ActionKind.ADD_DELIVERY_NOTE, params), summary)
