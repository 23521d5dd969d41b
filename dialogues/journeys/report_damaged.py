"""'It arrived damaged': a photo, what the merchant offers (replacement, refund), a claim, a person if wanted.

The photo comes with the first message or the next one, on channels that can carry one (ChannelSpec
receives_media: an MMS over SMS, a WhatsApp image); a shopper who can't send one can say SKIP. REST carries
text only, so there we don't ask for one: the claim records that no photo could be sent, and the team
follows up if they need it. What we offer is the merchant's policy
(merchant.settings["damage_policy"]["offer"], both replacement and refund by default); talking to a
person is always an option. The menu is answered in the shopper's words too, negation included: "a
replacement, not a refund" is a replacement (kit/claims.offers_named). Nothing is requested until the
shopper confirms; the claim is stored once with its reference, linked to an earlier claim on the same
parcel (dialogues/kit/claims.py), and the reply says when the team answers and how long it then takes
(merchant settings: damage_policy.reply_time / replacement_time, returns.refund_time).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from backend import models as m
from backend.types import Shipment, ShipmentStatus
from bot.core.wording import Rendered, render_lines
from dialogues.base import Flow, Turn, register
from dialogues.kit.answers import YES_NO, ask_choice, confirmed, free_text, yes_or_no
from dialogues.kit.choices import excluding, pick
from dialogues.kit.claims import (
    AGENT,
    DAMAGED,
    offers_named,
    open_claim,
    open_claim_reference,
    prefer_delivered,
    says_damaged,
    says_in_hand,
)
from dialogues.kit.formatting import parcel_label
from dialogues.kit.handoff import hand_off
from dialogues.kit.keywords import ask_open_question_again
from dialogues.subflows.status import delivered_shipment_for
from dialogues.subflows.verify import require_code
from intents.part_missing import says_part_missing

flow = register(Flow("report_damaged", reported=True))

OFFERS = ("replacement", "refund")
MAX_PHOTOS = 5
PHOTO_LOOK_BACK = timedelta(minutes=10)
_SKIP = re.compile(r"\b(skip|no photo|no picture|no pic|can'?t|cant|cannot|unable|don'?t have|dont have|threw)\b")
# No photo, in the shopper's words: "i havent got a photo", "no pics sorry", "didn't take a picture", "no camera on
# my phone", or the box gone ("binned the box", "threw the packaging out", "it went in the recycling").
_PHOTO = r"(?:photos?|pics?|pictures?|images?|snaps?|camera|one)\b"
_NO_PHOTO = re.compile(
    r"\bskip\b|\bno\s+(?:photos?|pics?|pictures?|images?|camera)\b"
    r"|\b(?:have\s*n[o']?t|havent|haven't|don'?t|dont|do\s+not|didn'?t|didnt|did\s+not|can'?t|cant|cannot|couldn'?t"
    r"|unable\s+to|not\s+able\s+to|won'?t|wont|forgot\s+to|never)\s+(?:(?:got|have|take|taken|took|send|sent|get"
    r"|got\s+round\s+to\s+taking|do|keep|kept)\s+)?(?:(?:a|any|the|one)\s+)?" + _PHOTO
    + r"|\b(?:binned|threw|thrown|chucked|tossed|recycled|got\s+rid\s+of)\b"
    r"|\b(?:box|packaging|it)\s+(?:went|has\s+gone|is\s+gone|'?s\s+gone)\b|\bin\s+the\s+(?:bin|recycling)\b",
    re.IGNORECASE,
)
# The photo later, not now: "I can send a picture later", "ill take a pic when i get home", "will send one tonight",
# "not right now". It had read as asking for the driver's photo (a probe). The claim goes on as SKIP does, and a
# photo sent later is added to it (kit/claims.add_later_photo). Said with a photo or a sending word, or on its own.
_LATER = re.compile(
    r"\b(?:later(?:\s+on)?|in\s+a\s+(?:bit|while|min(?:ute)?|sec|few)|tonight|this\s+(?:evening|afternoon)|tomorrow|tmrw|tmr"
    r"|when\s+i(?:'?m|\s+am)?\s+(?:get\s+)?(?:home|back|in)\b|when\s+i\s+(?:get|can|have\s+(?:a\s+)?(?:chance|minute|sec))"
    r"|after\s+work|not\s+(?:right\s+)?now|not\s+at\s+the\s+moment|once\s+i'?m\s+(?:home|back))", re.IGNORECASE)
_SENDING = re.compile(r"\b(?:send|sent|take|snap|get|upload|text|mms|do|grab|photos?|pics?|pictures?|images?|snaps?"
                      r"|one)\b", re.IGNORECASE)


# In the first message only a photo named ("my stove came smashed, no photo sorry"): the story of the damage uses the
# same words ("the driver threw it over the gate", "it went flying", "didnt get one of the legs to fit"), and a review
# found those skipping the photo the merchant needs.
_NO_PHOTO_NAMED = re.compile(
    r"\bno\s+(?:photos?|pics?|pictures?|images?|camera)\b"
    r"|\b(?:have\s*n[o']?t|havent|don'?t|dont|do\s+not|didn'?t|didnt|did\s+not|can'?t|cant|cannot|couldn'?t"
    r"|unable\s+to|not\s+able\s+to|won'?t|wont|forgot\s+to|never)\s+(?:(?:got|have|take|taken|took|send|sent|get)\s+)?"
    r"(?:(?:a|any|the)\s+)?(?:photos?|pics?|pictures?|images?|snaps?|camera)\b"
    r"|\b(?:binned|threw\s+(?:away|out)|thrown\s+(?:away|out)|chucked|recycled|got\s+rid\s+of)\s+(?:the\s+)?"
    r"(?:box|packaging)\b",  # "binned the box already": nothing to photograph it in
    re.IGNORECASE,
)


# Not damage, and no journey of its own yet: the wrong item ("wrong item sent", "this isn't what i ordered") or part of
# the order missing ("half my order is missing", "i only got one of the two": intents/part_missing.py, whose words
# also bring such a message here). The same claim (a person checks it, with a photo of what came), said as what
# happened: a probe found them told "your stove arrived damaged".
_WRONG_ITEM = re.compile(
    r"\bwrong\s+(?:item|thing|product|size|colou?r|one|order|parcel|stuff|model)s?\b|\bnot\s+what\s+i\s+(?:ordered|bought)"
    r"|\bisn'?t\s+what\s+i\s+(?:ordered|bought)|\bsent\s+(?:me\s+)?the\s+wrong\b|\bsomeone\s+else'?s\s+order\b"
    r"|\bdifferent\s+(?:item|thing|product)\b", re.IGNORECASE)
def _problem(text: str) -> str | None:
    """ "wrong_item", "missing_item", or None for damage (what this journey was named for). Damage named wins:
    "wrong size box, everything inside smashed" and "the lid is cracked and a bit is missing" are damage."""
    if says_damaged(text):
        return None
    if _WRONG_ITEM.search(text):
        return "wrong_item"
    return "missing_item" if says_part_missing(text) else None


def _key(turn: Turn, key: str) -> str:
    """The template for what happened: "utter_damaged_sorry" or "utter_damaged_sorry_wrong_item"."""
    problem = turn.slots.get("problem")
    return f"{key}_{problem}" if problem else key


@flow.start
def start(turn: Turn) -> None:
    item = turn.nlu.entity("item")
    if item:
        turn.remember(item=free_text(item.value, 60))
    turn.remember(problem=_problem(turn.message.text), in_hand=says_in_hand(turn.message.text))
    if not _keep_photos(turn, look_back=True) and no_photo(turn, first=True):  # "came smashed, no photo sorry"
        turn.remember(photo_skipped=True)
    prefer_delivered(turn)
    with_shipment(turn)


@flow.step("with_shipment")
def with_shipment(turn: Turn) -> None:
    # "got it but its broken" about a parcel the carrier still has on its way: the shopper has it (the carrier's
    # status lags the doorstep), so the report goes on; telling them it "hasn't been delivered" contradicted them.
    # The claim notes the carrier's status for the team, who check every claim before anything is paid out.
    shipment = delivered_shipment_for(turn, then="with_shipment", in_hand=bool(turn.slots.get("in_hand")),
                                      not_delivered_key=_key(turn, "utter_damaged_not_delivered"))
    if shipment is None:
        return
    if shipment.status is not ShipmentStatus.DELIVERED:
        turn.remember(carrier_status=str(shipment.status))
    existing = open_claim_reference(turn, shipment, DAMAGED)
    if existing:
        hand_off(turn, DAMAGED)
        turn.say(_key(turn, "utter_damaged_claim_exists"), reference=existing, parcel=parcel_label(shipment),
                 reply_time=turn.config.claim_reply_time)
        return
    if turn.slots.get("photos") or turn.slots.get("photo_skipped"):
        if turn.slots.get("photo_skipped"):  # "it came smashed, no photo sorry": not asked for one
            turn.say(_key(turn, "utter_damaged_sorry"), parcel=parcel_label(shipment))
        _offer(turn, shipment, wish=_wish(turn) if turn.slots.get("photo_skipped") else None)
        return
    if not turn.channel.receives_media:  # a channel that carries no picture in: say so, carry on without one
        turn.remember(photo_unavailable=True)
        turn.say(_key(turn, "utter_damaged_no_photo_here"), parcel=parcel_label(shipment))
        _offer(turn, shipment)
        return
    turn.ask("photo", _key(turn, "utter_damaged_ask_photo"), parcel=parcel_label(shipment))  # (MMS) or WhatsApp wording


@flow.step("photo")
def photo(turn: Turn) -> None:
    if _keep_photos(turn):
        turn.say("utter_damaged_photo_thanks")
    elif photo_later(turn):  # "ill take a pic when i get home": on without it, and said how to send it
        turn.remember(photo_skipped=True, photo_later=True)
        turn.say("utter_damaged_photo_later")
    elif yes_or_no(turn) is False or _SKIP.search(turn.text.lower()) or no_photo(turn):
        turn.remember(photo_skipped=True)
    else:
        turn.reask(_key(turn, "utter_damaged_need_photo"), whole=True)
        return
    shipment = _shipment(turn)
    if shipment is not None:
        _offer(turn, shipment, wish=_wish(turn))


@flow.answers("photo")
def no_photo_now(turn: Turn) -> bool:
    """No photo now, or none at all: the photo step's answer whatever else it reads as (the driver's photo)."""
    return no_photo(turn) or photo_later(turn)


def photo_later(turn: Turn) -> bool:
    text = turn.message.text or ""
    return bool(_LATER.search(text) and (_SENDING.search(text) or len(text.split()) <= 3))


def no_photo(turn: Turn, *, first: bool = False) -> bool:
    """ "i havent got a photo, can you just send a replacement", "can't take one, just refund me": no photo is the
    answer, whatever else the message reads as (a refund question, the driver's photo); read on the whole message.
    `first`: the report itself, where only a photo named counts."""
    return bool((_NO_PHOTO_NAMED if first else _NO_PHOTO).search(turn.message.text or ""))


def _wish(turn: Turn) -> str | None:
    """The one thing the merchant offers that the answer asks for beside its "no photo" ("just refund me", "I just
    want a new one"); the parts of the message that asked for it are its own, not requests to queue."""
    wanted, _ = offers_named(turn.message.text or "", _offers(turn))
    if len(wanted) != 1:
        return None
    whole = (turn.message.text or "").lower()
    turn.state.queue[:] = [q for q in turn.state.queue if str(q.get("text") or "").strip().lower() not in whole]
    return wanted[0]


def _keep_photos(turn: Turn, *, look_back: bool = False) -> bool:
    """Remember the pictures that came with this message (their channel URLs), if any.

    With look_back, a picture sent on its own just before ("here's the box" + photo, then "it's damaged")
    counts too, so the shopper isn't asked to send it again.
    """
    urls = [md.url for md in turn.message.media if not md.content_type or md.content_type.startswith("image/")]
    if not urls and look_back:
        urls = _recent_photos(turn)
    if not urls:
        return False
    turn.remember(photos=[*(turn.slots.get("photos") or []), *urls][:MAX_PHOTOS])
    return True


def _recent_photos(turn: Turn) -> list[str]:
    since = turn.now - PHOTO_LOOK_BACK
    rows = turn.session.scalars(
        select(m.Message)
        .where(m.Message.conversation_id == turn.conversation.id, m.Message.direction == "in",
               m.Message.created_at >= since)
        .order_by(m.Message.id.desc())
        .limit(3)
    )
    return next((list(r.media_urls) for r in rows if r.media_urls), [])


def _offers(turn: Turn) -> list[str]:
    wanted = turn.config.damage_policy.get("offer", list(OFFERS))
    return [o for o in OFFERS if o in wanted]


def _label(turn: Turn, option: str) -> Rendered:
    return turn.render(f"utter_damaged_option_{option}")


def _offer(turn: Turn, shipment: Shipment, *, only: list[str] | None = None, wish: str | None = None) -> None:
    """The menu (`only`: of these); `wish`, one of them already asked for, goes straight to its confirmation."""
    options = only or [*_offers(turn), AGENT]
    turn.remember(claim_key=f"dmg-{uuid.uuid4().hex}", options=options)
    if options == [AGENT]:
        _open(turn, shipment, AGENT)
        return
    if wish in options:
        _confirm(turn, shipment, wish)
        return
    labels = [_label(turn, o) for o in options]
    lines = [turn.render("utter_damaged_option_line", n=i + 1, label=label) for i, label in enumerate(labels)]
    ask_choice(turn, "choose", "utter_damaged_offer", labels, options=render_lines(lines))


def _later_photo_sent(turn: Turn) -> bool:
    """A photo sent at the menu or its confirmation after "I can send a picture later", with at most a few words
    ("here you go"): the promise was "just reply here with it", so it is kept (a review found it answered "Sorry, I
    didn't catch that" and lost, the claim not yet open for kit/claims.add_later_photo to take it)."""
    images = [md for md in turn.message.media if not md.content_type or md.content_type.startswith("image/")]
    return bool(turn.slots.get("photo_later") and images and "?" not in turn.text and len(turn.text.split()) <= 8)


def _keep_later_photo(turn: Turn) -> bool:
    """Keep a photo sent later (`_later_photo_sent`) with the claim-to-be, thanked; True if there was one."""
    if not _later_photo_sent(turn):
        return False
    _keep_photos(turn)
    turn.remember(photo_skipped=False, photo_later=False)
    turn.say("utter_damaged_photo_thanks")
    return True


@flow.step("choose")
def choose(turn: Turn) -> None:
    if _keep_later_photo(turn) and _chosen(turn, list(turn.slots.get("options") or [AGENT])) is None:
        ask_open_question_again(turn)  # the photo alone: the menu, still open
        return
    options = list(turn.slots.get("options") or [AGENT])
    left = excluding(turn.message.text, [str(_label(turn, o)) for o in options])
    if left is not None and len(left) > 1:  # "anything but a refund": the menu again, less what was ruled out
        shipment = _shipment(turn)
        if shipment is not None:
            _offer(turn, shipment, only=[options[i] for i in left])
        return
    choice = options[left[0]] if left else _chosen(turn, options)
    if choice is None:
        turn.reask()
        return
    shipment = _shipment(turn)
    if shipment is None:
        return
    if choice == AGENT:
        _open(turn, shipment, AGENT)
        return
    _confirm(turn, shipment, choice)


def _confirm(turn: Turn, shipment: Shipment, choice: str) -> None:
    turn.remember(choice=choice)
    turn.ask("confirm", _key(turn, f"utter_damaged_confirm_{choice}"), parcel=parcel_label(shipment), choices=YES_NO)


@flow.answers("choose")
def names_one_offer(turn: Turn) -> bool:
    """'a replacement, not a refund' (which the NLU hears as a refund question) answers the menu; so does the photo
    promised for later ("here you go" + a picture)."""
    wanted, _ = offers_named(turn.text, list(turn.slots.get("options") or []))
    return len(wanted) == 1 or _later_photo_sent(turn)


@flow.answers("confirm")
def later_photo_at_confirm(turn: Turn) -> bool:
    return _later_photo_sent(turn)


def _chosen(turn: Turn, options: list[str]) -> str | None:
    """The option named: in words first ("a replacement not a refund": what is refused never counts), then by
    its number or label; a word naming two at once is no answer."""
    wanted, refused = offers_named(turn.text, options)
    if len(wanted) == 1:
        return wanted[0]
    if wanted:
        return None
    left = [o for o in options if o not in refused]
    index = pick(turn.text, [str(_label(turn, o)) for o in left])
    if index is not None:
        return left[index]
    if turn.nlu.intent == "talk_to_human" and AGENT not in refused:
        return AGENT
    return None


@flow.step("confirm")
def confirm(turn: Turn) -> None:
    if _keep_later_photo(turn) and yes_or_no(turn) is None:
        ask_open_question_again(turn)
        return
    if not confirmed(turn, _key(turn, "utter_damaged_not_requested")):
        return
    shipment = _shipment(turn)
    if shipment is not None:
        _open(turn, shipment, turn.slots.get("choice") or AGENT)


def _shipment(turn: Turn) -> Shipment | None:
    tracking = turn.slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None:
        turn.finish()
        turn.say("utter_cancelled")
    return shipment


def _open(turn: Turn, shipment: Shipment, choice: str) -> None:
    """A claim can lead to a refund: from anyone but the recipient's own number it needs the code."""
    turn.remember(choice=choice)
    if not require_code(turn, shipment, action="claim_damaged", then="open_claim", default="sender_number"):
        return
    _open_verified(turn, shipment, choice)


@flow.step("open_claim")
def open_claim_step(turn: Turn) -> None:
    tracking = turn.slots.get("tracking_number")
    shipment = turn.backend.get_shipment(tracking) if tracking else None
    if shipment is None:
        turn.finish()
        turn.say("utter_cancelled")
        return
    _open_verified(turn, shipment, turn.slots.get("choice") or AGENT)


def _open_verified(turn: Turn, shipment: Shipment, choice: str) -> None:
    slots = turn.slots
    detail = {
        "choice": choice,
        "item": slots.get("item"),
        "photos": list(slots.get("photos") or []),
        "photo_skipped": bool(slots.get("photo_skipped")),
        "photo_unavailable": bool(slots.get("photo_unavailable")),
        "photo_later": bool(slots.get("photo_later")),
        "problem": slots.get("problem") or "damaged",
        **({"carrier_status": slots["carrier_status"]} if slots.get("carrier_status") else {}),
    }
    opened = open_claim(turn, shipment, kind=DAMAGED, key=slots["claim_key"], detail=detail)
    config = turn.config
    values = {"reference": opened.reference, "parcel": parcel_label(shipment), "reply_time": config.claim_reply_time,
              "replacement_time": config.replacement_time, "refund_time": config.refund_time,
              "linked": turn.render("utter_claim_linked", earlier=opened.linked_to) if opened.linked_to else ""}
    if choice == AGENT:
        hand_off(turn, DAMAGED)
        turn.say(_key(turn, "utter_damaged_handed_off"), **values)
        return
    key = _key(turn, f"utter_damaged_claim_opened_{choice}")  # before finish(): the journey's slots go with it
    turn.finish()
    turn.say(key, **values)
