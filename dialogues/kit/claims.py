"""Claims (a parcel that never arrived, one that arrived damaged): opened once, linked, closed, audited.

A claim isn't a carrier change, so no backend is called: it is a delivery-change row with status
"pending" (the team's to settle) plus an audit entry, under an idempotency key chosen when the shopper
was asked, so a retried webhook or a second "still not here" never opens a second claim.

One parcel has at most one claim the team can pay out on: a second claim of another kind (it turned up,
but dented) is linked to the first, which stops being pending ("linked"), so nobody is compensated twice.
A missing-parcel claim closes ("closed") the moment the shopper says it turned up, whatever they were doing.
Also here: which of a shopper's parcels an after-delivery journey (photo, claim, return) is about.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import models as m
from backend.changes import stored_change
from backend.types import Shipment, ShipmentStatus
from bot.core.conversations import Status
from dialogues.base import REGISTRY, Turn
from dialogues.kit.formatting import parcel_label
from dialogues.kit.wrong_place import says_not_with_neighbour, says_wrong_place
from intents.types import OUT_OF_SCOPE

NOT_RECEIVED = "claim_not_received"
DAMAGED = "claim_damaged"
CANCEL_ORDER = "cancel_order"  # backend/changes.CANCEL_ACTION: filed under the tracking number, else "#order"
CLAIM_KINDS = (NOT_RECEIVED, DAMAGED)
PENDING, CLOSED, LINKED = "pending", "closed", "linked"
MAX_CLAIM_PHOTOS = 10  # a claim's photos, those sent later included
LINK_WINDOW = timedelta(days=60)  # a later claim on the same parcel within this is the same story

# "found it", "it was behind the bins", "the neighbour had it", "it's turned up"...
_TURNED_UP = re.compile(
    r"\b(found (it|them|the parcel|my parcel)|got it now|(it'?s|its|it is|it has|has|have|they'?ve) "
    r"(turned|shown|showed) up|turned up|showed up|it came|(it'?s|its|it has|has|have) (arrived|come)|"
    r"arrived now|(it'?s|its) here( now| after all)?|"
    r"it was (behind|under|underneath|in|inside|at|by|round|around|next to|with|on top of|beside)\b|"
    r"(neighbou?rs?|next door|wife|husband|partner|son|daughter|mum|mom|dad|flatmate|housemate|roommate|"
    r"reception|concierge|porter|someone)('?s)? (had|has|took|taken|got|picked up|signed for) (it|them)|"
    r"false alarm|"
    # "nvm got it", "never mind, just arrived", "its just come", "dw ive got it" (a third probe: "nvm got it" was read
    # as the parcel missing)
    r"(nvm|never ?mind|dw|don'?t worry|ignore me|forget it|scratch that|all good|panic over)\W+"
    r"(i'?ve |i )?got (it|them)\b|"
    r"\bjust (arrived|came|come|turned up|showed up|been delivered)\b)"
)
# Still missing; also asking to report it ("yes report it", "open a claim") or saying it went to the wrong house:
# whatever the "yes" in it, the shopper doesn't have the parcel.
# What else a shopper may not have got: "i didnt get a code", "never received the email" is about a message,
# not the parcel (it opened a claim at "Have you found it?"; found by a probe of plain phrasing).
_NOT_THE_PARCEL = (r"(?!\s+(?:a|an|the|any|my|your|ur|that|this|ya|me|us)?\s*(?:new\s+|other\s+|second\s+)?"
                   r"(?:code|pin|text|txt|sms|message|msg|email|e-mail|mail|link|notification|update|reply|call"
                   r"|confirmation|refund|money|receipt|invoice)s?\b)")
_MISSING = re.compile(
    r"\b(still (not|no|missing|nothing|waiting)|not here|missing|nothing|no sign|can'?t find|cant find|"
    r"report (it|this|that|the parcel|my parcel|the package)|(make|open|raise|file|log|start) (a |the )?claim|"
    r"not there|stolen|lost|not (yet )?(turned|shown|showed) up|(hasn'?t|hasnt|has not|haven'?t|havent|not|"
    r"didn'?t|didnt|never|wasn'?t|wasnt|isn'?t|isnt) (yet )?(got|get|received|arrived|turned up|shown up|showed up|"
    r"show up|turn up|appeared|come|there|here|found))\b"
    + _NOT_THE_PARCEL
)
_DAMAGE = re.compile(
    r"\b(damaged|broken|broke|smashed|crushed|dented|ripped|torn|cracked|leak(ed|ing)?|hole|wet|soaked|"
    r"bent|scratched|shattered|faulty)\b"
)

# What the shopper wants from a damage claim, in their words; "not a refund" names no refund.
AGENT = "agent"
_OFFER_WORDS = (
    (re.compile(r"\b(replace|replacement|new one|another one|swap|exchange|send (me )?(a |another )?new)\b"),
     "replacement"),
    (re.compile(r"\b(refund|money back|my money|reimburse|credit)\b"), "refund"),
    (re.compile(r"\b(person|agent|human|someone|team|call me|speak|talk)\b"), AGENT),
)
_NEGATED_BEFORE = re.compile(
    r"\b(not|no|nor|never|without|than|instead of|rather than|cannot|"
    r"(can|won|don|didn|doesn|wouldn|shouldn|isn)'?t)\s+(want |need |get |have |a |an |the |my |any |to )*$"
)


# Delivered to the wrong house: missing, unless the same words say it has been found ("found it, it went to the
# wrong house but they brought it round" is found: review 5).
_WRONG_PLACE = re.compile(r"\bwrong (house|address|door|flat|apartment|street|building|number)\b")


def says_turned_up(text: str) -> bool:
    """The shopper says the parcel they were missing is found, and nothing says it still isn't."""
    low = text.lower()
    return bool(_TURNED_UP.search(low)) and not _MISSING.search(low)


# "got it but its broken", "it arrived smashed", "just opened the box", "the box is all crushed": the parcel is in the
# shopper's hands (they see it), whatever the carrier says. Not a worry about it ("what if it arrives damaged"), one
# not come ("it hasnt come"), or the carrier's word ("the tracking says damaged").
# What was got or opened may be a message about the parcel ("got the email saying its damaged", "just opened the
# app, says damaged"), and the driver's word is the carrier's: a probe found them taken for the parcel in hand.
_NOT_ABOUT_IT = (r"(?!\s+(?:\w+\s+)?(?:code|text|txt|sms|message|msg|email|e-mail|notification|alert|update|link|app"
                 r"|tracking|website|site|page)s?\b)")
_IN_HAND = re.compile(
    r"\b(?:(?:got|received|recieved|opened|unpacked|unboxed|collected|picked\s+up)\s+(?:it|them|my|the|this|that)\b"
    + _NOT_ABOUT_IT +
    r"|arrived|came|turned\s+up|showed\s+up|(?:was|been|got|just)\s+delivered|(?:it'?s|its|it\s+is)\s+here"
    r"|(?:is|are|'s|its|was|were|looks?)\s+(?:all\s+|completely\s+|totally\s+|badly\s+|really\s+|so\s+)?(?:broken|broke"
    r"|smashed|damaged|crushed|cracked|dented|ripped|torn|soaked|leaking|bent|shattered|squashed|ruined|wrecked)\b)")
_NOT_IN_HAND = re.compile(r"\b(?:if|when|will|might|would|in\s+case)\b.{0,30}\b(?:arrive|arrives|comes?|delivered)\b"
                          r"|\b(?:hasn'?t|hasnt|has\s+not|haven'?t|havent|not|never|didn'?t|didnt|yet\s+to)\s+(?:yet\s+)?"
                          r"(?:got|received|arrived|come|came|turned|showed|been)\b"
                          r"|\b(?:tracking|carrier|courier|website|app|it|driver|he|she|email|text|message|notification"
                          r"|page)\W+(?:says?|said|saying|shows?|showing|told\s+me)\b"
                          r"|\btook\s+(?:it|them)\s+(?:back|away)\b|\b(?:is|was|are|were)\s+(?:it|they)\s+(?:\w+\s+)?"
                          r"(?:damaged|broken|smashed|crushed|cracked|dented|ripped|torn)\s*\?"
                          r"|\b(?:link|url|code|app|website|site|page)\b[^.!?]{0,12}\b(?:broken|broke)\b")


def says_in_hand(text: str) -> bool:
    """The shopper says the parcel reached them ("got it but its broken"); a carrier status that lags may say not."""
    low = text.lower()
    return bool(_IN_HAND.search(low)) and not _NOT_IN_HAND.search(low)


def says_damaged(text: str) -> bool:
    return bool(_DAMAGE.search(text.lower()))


def says_missing(text: str) -> bool:
    low = text.lower()
    return bool(_MISSING.search(low)) or (bool(_WRONG_PLACE.search(low) or says_wrong_place(low))
                                          and not _TURNED_UP.search(low))


# At "Have you found it?": where the shopper looked and it wasn't ("not behind the bins or in the shed, nowhere",
# "looked everywhere", "no luck"). Only an answer to that question: elsewhere "not in the shed" is about a
# safe place, and "found it, not at the front but round the back" is found.
_LOOKED_NOT_THERE = re.compile(
    r"\b(nowhere|not (behind|under|underneath|in|inside|at|by|with|round|around|near|on|next to) (the|my|our|any"
    r"|next|either|a)\b|(looked|checked|searched|tried|been|gone) (everywhere|all over|all round|all around|high and"
    r" low)|no (luck|joy)|(could|can|did)(n'?t|not) (see|find|spot) (it|them|anything)|(have|has)(n'?t| not)"
    r" (seen|found) (it|them|anything)|(nobody|no ?one|no-one|none of them|neither of them) (has|had|took|got"
    r"|has got|has seen|'?s got|'?s seen|saw|seen) (it|them|anything))\b"
)


# "yes i checked with the neighbours", "yep looked everywhere", "ive asked next door": the checks the question asked
# for, done; a "yes" to having looked is no "yes, it turned up" (a probe found it read as a neighbour request and
# refused). Found, said beside it ("checked the shed and found it"), still wins.
_DID_THE_CHECKS = re.compile(
    r"\b(?:i'?ve|ive|i\s+have|i|we'?ve|we|already|yes|yeah|yep|yh)\W+(?:already\s+|just\s+|both\s+)?(?:checked|looked|asked"
    r"|searched|knocked|tried|been\s+round|been\s+next\s+door|rang|called|messaged|texted)\b"
    r"|^\s*(?:checked|looked|asked|searched|knocked)\b"
)


def says_not_found(text: str) -> bool:
    """The shopper's answer to "Have you found it?" is no, in words: still missing, where they looked, or that they
    did the looking."""
    low = text.lower()
    return says_missing(low) or ((bool(_LOOKED_NOT_THERE.search(low)) or bool(_DID_THE_CHECKS.search(low)))
                                 and not _TURNED_UP.search(low))


def offers_named(text: str, options: list[str]) -> tuple[list[str], list[str]]:
    """The options (of `options`) the text asks for, and the ones it says it does NOT want."""
    low, wanted, refused = text.lower(), [], []
    for pattern, offer in _OFFER_WORDS:
        if offer not in options:
            continue
        for hit in pattern.finditer(low):
            negated = _NEGATED_BEFORE.search(low[max(0, hit.start() - 30): hit.start()])
            (refused if negated else wanted).append(offer)
    wanted = [o for o in dict.fromkeys(wanted) if o not in refused]
    return wanted, list(dict.fromkeys(refused))


def new_claim_reference() -> str:
    return f"CLM-{secrets.token_hex(4).upper()}"


def claims_on(turn: Turn, tracking: str, *, kinds: tuple[str, ...] = CLAIM_KINDS,
              statuses: tuple[str, ...] | None = None) -> list[m.DeliveryChange]:
    """This merchant's claims on one parcel, newest first."""
    query = select(m.DeliveryChange).where(
        m.DeliveryChange.merchant_id == turn.merchant.id,
        m.DeliveryChange.tracking_number == tracking,
        m.DeliveryChange.action.in_(kinds),
    )
    if statuses:
        query = query.where(m.DeliveryChange.status.in_(statuses))
    return list(turn.session.scalars(query.order_by(m.DeliveryChange.id.desc())))


def cancellation_of(turn: Turn, shipment: Shipment) -> m.DeliveryChange | None:
    """The accepted cancellation of this parcel's order, if it was cancelled here."""
    subjects = [shipment.tracking_number, *([f"#{shipment.order_number}"] if shipment.order_number else [])]
    return turn.session.scalar(
        select(m.DeliveryChange)
        .where(m.DeliveryChange.merchant_id == turn.merchant.id, m.DeliveryChange.action == CANCEL_ORDER,
               m.DeliveryChange.tracking_number.in_(subjects), m.DeliveryChange.status == "accepted")
        .order_by(m.DeliveryChange.id.desc())
        .limit(1)
    )


def open_claim_reference(turn: Turn, shipment: Shipment, kind: str) -> str | None:
    """The reference of a claim of this kind already open on this parcel, if any."""
    rows = claims_on(turn, shipment.tracking_number, kinds=(kind,), statuses=(PENDING,))
    return rows[0].reference if rows else None


@dataclass(frozen=True)
class Opened:
    reference: str
    linked_to: str | None = None  # the earlier claim on this parcel it joins


def open_claim(turn: Turn, shipment: Shipment, *, kind: str, key: str, detail: dict[str, Any]) -> Opened:
    """Open the claim (or return the one this key already opened) and audit it. An earlier claim on the same
    parcel is linked: the new one names it, and a pending one is superseded rather than left to pay out too."""
    session = turn.session
    done = stored_change(session, turn.merchant.id, key)
    if done is not None:
        return Opened(done.reference or "", (done.params or {}).get("linked_to"))
    tracking = shipment.tracking_number
    earlier = _earlier_claim(turn, tracking)
    verified_by = turn.verification_for(tracking) or "sender_number"
    reference = new_claim_reference()
    params = {**detail, **({"linked_to": earlier.reference} if earlier is not None else {})}
    change = m.DeliveryChange(
        merchant_id=turn.merchant.id, tracking_number=tracking, action=kind, params=params,
        idempotency_key=key, status=PENDING, reference=reference, channel=turn.message.channel,
        verified_by=verified_by, created_at=turn.now, updated_at=turn.now,
    )
    try:
        with session.begin_nested():
            session.add(change)
            session.flush()
    except IntegrityError:
        winner = stored_change(session, turn.merchant.id, key)
        if winner is None:
            raise
        return Opened(winner.reference or "", (winner.params or {}).get("linked_to"))
    turn.audit(kind, "opened", subject=tracking, verification=verified_by, reference=reference,
               idempotency_key=key, **params)
    if earlier is not None and earlier.status == PENDING:
        _settle(turn, earlier, LINKED, superseded_by=reference)
    return Opened(reference, earlier.reference if earlier is not None else None)


def _earlier_claim(turn: Turn, tracking: str) -> m.DeliveryChange | None:
    """The claim a new one on this parcel belongs with: one still pending, or one closed lately."""
    since = turn.now - LINK_WINDOW
    for row in claims_on(turn, tracking, statuses=(PENDING, CLOSED)):
        if row.status == PENDING or row.created_at >= since:
            return row
    return None


def _settle(turn: Turn, row: m.DeliveryChange, status: str, **detail: Any) -> None:
    row.status, row.updated_at = status, turn.now
    row.params = {**(row.params or {}), **detail, f"{status}_at": turn.now.isoformat()}  # reassigned: JSON seen
    turn.audit(row.action, status, subject=row.tracking_number, reference=row.reference, **detail)


# "any news on my claim?": the NLU may hear a status question or nothing it knows; with a claim on record,
# it is a question about that claim.
_ABOUT_CLAIM = re.compile(r"\b(claims?|clm-?[0-9a-f]{4,})\b", re.IGNORECASE)
_CLAIM_QUESTION_HEARD_AS = frozenset({"where_is_my_order", "inform", OUT_OF_SCOPE})
CLAIM_STATUS_FLOW = "return_or_refund_status"
NOT_RECEIVED_FLOW = "report_not_received"


def before_routing(turn: Turn) -> bool:
    """Claims news said at any point, before the router picks a flow (dialogues/router.py). True when the
    message is fully answered: "found it" closes an open missing-parcel claim. A question about a claim the
    shopper has goes to the claim's status, whatever the NLU heard."""
    if close_if_turned_up(turn):
        return True
    if add_later_photo(turn):
        return True
    if _found_without_a_claim(turn):
        return True
    if _left_elsewhere(turn):
        return True
    if (turn.state.open_step is None and turn.nlu.intent in _CLAIM_QUESTION_HEARD_AS
            and _ABOUT_CLAIM.search(turn.text)
            and any(claims_on(turn, s.tracking_number) for s in turn.sender_shipments())):
        turn.nlu = dataclasses.replace(turn.nlu, intent=CLAIM_STATUS_FLOW, confidence=1.0, clarify=None)
    return False


def add_later_photo(turn: Turn) -> bool:
    """A photo sent after "I can send a picture later" at a damage claim (report_damaged's photo step), with no
    question open and at most a few words ("here you go"): added to that claim, still pending, and said so."""
    urls = [md.url for md in turn.message.media if not md.content_type or md.content_type.startswith("image/")]
    if not urls or turn.state.open_step is not None or "?" in turn.text or len(turn.text.split()) > 8:
        return False
    waiting = [c for s in turn.sender_shipments() for c in claims_on(turn, s.tracking_number, kinds=(DAMAGED,),
                                                                     statuses=(PENDING,))
               if (c.params or {}).get("photo_later")]
    if not waiting:
        return False
    claim = max(waiting, key=lambda c: c.id)
    params = dict(claim.params or {})
    params["photos"] = [*(params.get("photos") or []), *urls][:MAX_CLAIM_PHOTOS]
    params["photo_skipped"] = False
    claim.params, claim.updated_at = params, turn.now  # a new dict: the JSON column sees the change
    turn.audit("claim_photo_added", "ok", subject=claim.tracking_number, reference=claim.reference)
    turn.say("utter_damaged_photo_added", reference=claim.reference or "")
    return True


# "my neighbour has it, thanks" with nothing asked for: told, not a request (a probe: refused as a neighbour delivery
# to a delivered parcel, "Sorry, I can't do that")
_ASKS = re.compile(r"\b(?:can|could|would|will|pls|please|plz|leave|put|send|deliver|bring|give|next\s+time|return"
                   r"|refund|replace)\b|\?", re.IGNORECASE)


_HERE_OR_DUE = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.OUT_FOR_DELIVERY})


def _found_without_a_claim(turn: Turn) -> bool:
    """A delivered parcel said to have turned up ("the neighbour had it", "found it, thanks"), with no claim open and
    nothing asked: glad it did. True when answered."""
    if turn.state.open_step is not None or not says_turned_up(turn.text) or _ASKS.search(turn.text):
        return False
    if turn.services.handoff.status(turn.conversation) is Status.WITH_AGENT:
        return False
    # out for delivery too: the driver has just been, before the carrier's "delivered" (a third probe)
    if not any(s.status in _HERE_OR_DUE for s in turn.sender_shipments()):
        return False
    if _DAMAGE.search(turn.text.lower()):  # "my neighbour has it but its broken": a damage report
        turn.nlu = dataclasses.replace(turn.nlu, intent="report_damaged", confidence=1.0, clarify=None)
        return False
    turn.say("utter_not_received_found")
    return True


def _left_elsewhere(turn: Turn) -> bool:
    """ "thats not my door in the photo!!", "thanks thats not my house tho": delivered to the wrong address, a
    missing parcel (however the NLU reads the place, or the "not" in it); so is "my neighbour says they dont have
    it" (not a wish to leave it with them). True when the report has started."""
    said = says_wrong_place(turn.text) or says_not_with_neighbour(turn.text)
    if turn.state.open_step is not None or not said or _TURNED_UP.search(turn.text.lower()):
        return False
    if turn.services.handoff.status(turn.conversation) is Status.WITH_AGENT:
        return False  # a person is talking to them: theirs to settle
    shipments = turn.sender_shipments()
    if shipments and not any(s.status is ShipmentStatus.DELIVERED for s in shipments):
        return False  # nothing of theirs is marked delivered: no photo of a door to be wrong about
    turn.nlu = dataclasses.replace(turn.nlu, intent=NOT_RECEIVED_FLOW, confidence=1.0, clarify=None)
    REGISTRY[NOT_RECEIVED_FLOW].run_start(turn)
    return True


def close_if_turned_up(turn: Turn) -> bool:
    """'Found it!' at any point closes the shopper's open missing-parcel claims, and says so.

    Checked before anything else hears the message (dialogues/router.py), because it can come at any time:
    while a person is awaited (the wait ends: there's nothing left for them to do), mid-journey, days later.
    True when that was all; a message that also reports damage ("it turned up but it's dented") goes on
    as a damage report, which is then linked to the closed claim.
    """
    if not says_turned_up(turn.text):
        return False
    handoff = turn.services.handoff
    if handoff.status(turn.conversation) is Status.WITH_AGENT:
        return False  # a person is talking to them: theirs to settle
    found = [(s, row) for s in turn.sender_shipments()
             for row in claims_on(turn, s.tracking_number, kinds=(NOT_RECEIVED,), statuses=(PENDING,))]
    if len({s.tracking_number for s, _ in found}) != 1:
        return False  # no claim to close, or two parcels missing: "found it" alone doesn't say which
    for _, row in found:
        _settle(turn, row, CLOSED, found=True)
    conv = turn.conversation
    if handoff.status(conv) is Status.WAITING and conv.handoff_reason == NOT_RECEIVED:
        handoff.hand_back(turn.uow, conv, actor=turn.message.sender, now=turn.now, result="claim_closed")
    shipment, row = found[0]
    turn.say("utter_claim_closed_found", parcel=parcel_label(shipment), reference=row.reference or "")
    if _DAMAGE.search(turn.text.lower()):
        turn.nlu = dataclasses.replace(turn.nlu, intent="report_damaged", confidence=1.0, clarify=None)
        return False
    return True


def prefer_delivered(turn: Turn) -> None:
    """A shopper with several parcels of which one is delivered means that one (it's the only one a photo,
    a claim or a return can be about), so don't ask which. Only for the sender's own parcels, and only when
    the message names none."""
    if turn.slots.get("tracking_number") or turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number"):
        return
    own = turn.sender_shipments()
    delivered = [s for s in own if s.status is ShipmentStatus.DELIVERED]
    if len(own) > 1 and len(delivered) == 1:
        turn.remember(tracking_number=delivered[0].tracking_number)
