"""Which parcel is this about, and may this person see it?

The sender's own number finds their parcels. Anyone else (another number, web chat) proves they are the
recipient with the tracking or order number plus the delivery postcode, and learns nothing before that:
not even whether such a parcel exists. Flows call `shipment_for(turn, then=STEP)`; if it can't answer at
once it asks, and when it knows it calls the flow's STEP with slots["tracking_number"] set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend import models as m
from backend.db import take_turns
from backend.types import Shipment
from bot.core.messages import Choice
from bot.core.wording import render_lines
from dialogues.base import Flow, Turn, register
from dialogues.kit.choices import excluding, pick, picks_all
from dialogues.kit.every_parcel import asks_after_every_one, names_every_parcel, one_at_a_time
from dialogues.kit.formatting import parcel_label, wait_values
from dialogues.kit.item_names import item_hits, named_by_item
from dialogues.kit.talked_about import last_talked_about, talked_about_several
from dialogues.subflows.postcode_text import code_name, not_known, postcode_given, postcode_key

flow = register(Flow("identify", intents=()))
# "dunno the postcode, its my sons address" answers the question, however the NLU reads it (an address change)
flow.answers("postcode")(lambda turn: not_known(turn.text))

# Postcode guesses. One sender: 5 misses per 15 minutes, whatever numbers it names. One number as typed:
# 20 misses an hour from everyone together (a REST session id costs nothing to change), so guessing can't be
# spread over many senders. Anyone willing to make up session ids can spend that shared hour, so a pause can't
# be proof against a stranger (review 3): the recipient is then never shut out, because their own phone needs no
# postcode; the pause says so, and says when it ends (utter_identify_locked). Because the
# shared count is kept per number as typed (not per parcel), misses on an order number say nothing about
# whether a tracking number is the same parcel. The recipient's own phone needs no postcode at all.
MAX_FAILED_MATCHES = 5
FAILED_MATCH_WINDOW = timedelta(minutes=15)
MAX_REFERENCE_MISSES = 20
REFERENCE_MISS_WINDOW = timedelta(hours=1)
# Numbers looked up by one sender that aren't theirs: each costs a lookup; 10 per 15 minutes.
MAX_LOOKUPS = 10
LOOKUP_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Named:
    """A number the shopper named, and which of the parcels they may already see it names.

    Naming a number looks nothing up by that number: only the sender's own and already-proven parcels are
    compared with it, so "where is X" does the same work whether X exists or not. X itself is looked up when
    its postcode is checked, a step with its own limits."""

    reference: str
    seen: tuple[Shipment, ...] = ()


def can_see(turn: Turn, shipment: Shipment) -> bool:
    own = turn.message.sender_is_phone and shipment.recipient_phone == turn.message.sender
    return own or turn.is_verified_for(shipment)


def shipment_for(turn: Turn, *, then: str) -> Shipment | None:
    """The parcel this message is about. A number named in the message always wins over the one the journey
    remembered (or took over from a menu), and goes through the same proof as any other. A number (and a
    postcode) the shopper gave earlier in this conversation is remembered: only what is still missing is asked.

    When it can't answer at once, it calls this sub-flow (which asks) and the journey's `then` step runs
    again, with slots["tracking_number"] set, once the parcel is known and proven."""
    found = _found(turn, _shipment_for(turn, then))
    return found


def shipments_for(turn: Turn, *, then: str) -> list[Shipment] | None:
    """As shipment_for, for a question that can be answered about several parcels at once (where are they?):
    "both" or "all of them" at the which-one list takes every parcel on it. A change still picks one."""
    listed = turn.slots.get("tracking_numbers")
    if listed:
        turn.remember(tracking_numbers=None)
        seen = [s for s in map(turn.backend.get_shipment, listed) if s is not None and can_see(turn, s)]
        if seen:
            talked_about_several(turn, seen)
            return seen
    everyone = None  # the sender's parcels, read once for both looks (a statement a status question)
    if not turn.slots.get("tracking_number") and _named_in_message(turn) is None:
        everyone = turn.sender_shipments()
        own = [s for s in everyone if not _cancelled(s)]
        hits = item_hits(turn.text, own)
        if len(hits) > 1:  # "wheres the socks and the headtorch": every parcel the message names by its item
            talked_about_several(turn, hits)
            return hits
        if len(own) > 1 and (names_every_parcel(turn.text, len(own)) or asks_after_every_one(turn.text, len(own))):
            talked_about_several(turn, own)  # "where are both parcels", "I have 2 parcel, where both?" (review 12)
            return own
    found = _found(turn, _shipment_for(turn, then, many=True, everyone=everyone))
    return [found] if found is not None else None


def _found(turn: Turn, shipment: Shipment | None) -> Shipment | None:
    if shipment is not None:
        turn.state.mentioned["parcel"] = shipment.tracking_number
    return shipment


def _shipment_for(turn: Turn, then: str, *, many: bool = False, everyone: list[Shipment] | None = None
                  ) -> Shipment | None:
    chosen = turn.slots.get("tracking_number")
    named = _named_in_message(turn)
    if named is not None:
        picked = next((s for s in named.seen if s.tracking_number == chosen), None)
        return picked or _check_named(turn, named, then)
    if chosen:
        shipment = turn.backend.get_shipment(chosen)
        if shipment and can_see(turn, shipment):
            return shipment

    everyone = everyone if everyone is not None else turn.sender_shipments()
    own = [s for s in everyone if not _cancelled(s)] or everyone
    if len(own) == 1:
        turn.remember(tracking_number=own[0].tracking_number)
        return own[0]
    by_item = named_by_item(turn, own)
    if by_item is not None:  # "cancel the headtorch" on a number with two parcels
        turn.remember(tracking_number=by_item.tracking_number)
        return by_item
    if not many and names_every_parcel(turn.text, len(own)):  # "leave them both in the porch"
        first = one_at_a_time(turn, own, turn.nlu.to_saved())
        turn.remember(tracking_number=first.tracking_number)
        return first
    last = last_talked_about(turn, own)
    if last is not None:  # "the socks" (their status), then "leave it in the porch": the socks
        turn.remember(tracking_number=last.tracking_number)
        return last
    if not own:
        remembered = _remembered(turn)
        if remembered is not None:  # "where is PB123" earlier, "can i see the photo" now: the same parcel
            return _check_named(turn, remembered, then)
    _enter(turn, then)
    if not own:  # "for this number" means nothing on a web chat
        turn.ask("number", "utter_ask_tracking_number" if turn.message.sender_is_phone else "utter_ask_reference")
        return None
    options = [s.tracking_number for s in own]
    turn.remember(choices=options, many=many, request=None if many else turn.nlu.to_saved())
    labels = _told_apart(own)
    pairs = list(zip(own, labels, strict=True))
    lines = [turn.render("utter_shipment_option", n=i + 1, parcel=label,
                         status=turn.render(f"label_status_{s.status.value}")) for i, (s, label) in enumerate(pairs)]
    choices = tuple(Choice(str(i + 1), label if s.tracking_number in label else f"{label} ({s.tracking_number})")
                    for i, (s, label) in enumerate(pairs))
    turn.ask("choose", "utter_which_shipment", options=render_lines(lines), count=len(own), choices=choices)
    return None


def _cancelled(shipment: Shipment) -> bool:
    """A cancelled order is no delivery "on the way": it isn't offered in the list."""
    return bool((shipment.instructions or {}).get("cancelled"))


def _told_apart(shipments: list[Shipment]) -> list[str]:
    """Each parcel's name, with its tracking number where two would read the same."""
    labels = [parcel_label(s) for s in shipments]
    return [f"{label}, {s.tracking_number}" if labels.count(label) > 1 else label
            for s, label in zip(shipments, labels, strict=True)]


def _remembered(turn: Turn) -> Named | None:
    """A number the shopper gave earlier in this conversation (still to be proven)."""
    reference = turn.state.mentioned.get("reference")
    return _naming(turn, str(reference)) if reference else None


def _naming(turn: Turn, reference: str) -> Named:
    key = reference.lstrip("#").upper()[:64]
    seen = tuple(s for s in turn.sender_shipments()
                 if key in {s.tracking_number.upper(), (s.order_number or "").lstrip("#").upper()})
    return Named(key, seen)


def _named_in_message(turn: Turn) -> Named | None:
    """The tracking or order number named in this message, or None if none was named."""
    entity = turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number")
    reference = str(entity.value).strip() if entity else ""
    return _naming(turn, reference) if reference.lstrip("#") else None


def _lookup(turn: Turn, reference: str | None) -> list[Shipment]:
    if not reference:
        return []
    return turn.backend.find_shipments(tracking_number=reference) or turn.backend.find_shipments(
        order_number=reference)


def _check_named(turn: Turn, named: Named, then: str | None) -> Shipment | None:
    if len(named.seen) == 1:
        turn.remember(tracking_number=named.seen[0].tracking_number)
        return named.seen[0]
    # Not theirs (or not known at all): ask for the postcode either way, so the answer leaks nothing.
    # The parcel the journey had in mind is no longer the one: it comes back only once this one is proven.
    _enter(turn, then)
    if _counted(turn, "identify_lookup", MAX_LOOKUPS, LOOKUP_WINDOW):
        turn.finish()
        turn.say("utter_identify_too_many_lookups")
        return None
    turn.audit("identify_lookup", "asked")  # counts towards the sender's lookups
    turn.remember(candidates=None, reference=named.reference)
    _drop_superseded(turn)
    given = postcode_given(turn, with_number=True)
    if given is None:
        given = turn.state.mentioned.get("postcode")  # given earlier in this conversation, not yet checked
    # "PB123 M1 4BT": the postcode came with the number, so it is checked (and counted) as the answer.
    turn.ask("postcode", "utter_ask_postcode", quiet=given is not None, code_name=code_name(turn))
    if given is not None:
        _check_postcode(turn, given)
    return None


def _drop_superseded(turn: Turn) -> None:
    """Asking about a number again (a new "where is X" after a miss) replaces the earlier question about it:
    that one is not offered back later ("shall we go back to...?")."""
    parked = turn.state.parked[-1] if turn.state.parked else None
    if parked is not None and parked.flow == flow.name and parked.slots.get("reference") == turn.slots.get("reference"):
        turn.drop_parked()


def _enter(turn: Turn, then: str | None) -> None:
    """Ask from this sub-flow; the journey that asked for the parcel carries on at `then` once it's known."""
    if turn.flow_name != flow.name:
        turn.call(flow.name, then=then)


def _resume_caller(turn: Turn, shipment: Shipment) -> None:
    turn.return_(tracking_number=shipment.tracking_number)


def _counted(turn: Turn, action: str, limit: int, window: timedelta) -> bool:
    """Has this sender reached `limit` of `action` in `window`? (Misses by subject: _misses_free_at.)"""
    found = select(func.count()).select_from(m.AuditEntry).where(
        m.AuditEntry.merchant_id == turn.merchant.id, m.AuditEntry.actor == turn.message.sender,
        m.AuditEntry.action == action, m.AuditEntry.at >= turn.now - window)
    return (turn.session.scalar(found) or 0) >= limit


def _paused_until(turn: Turn, subject: str) -> datetime | None:
    """When postcode guesses at this number by this sender may start again (None: now). Each limit frees up as
    the miss that filled it leaves its window; with both full, the later. Told to the shopper as it is (review:
    every pause was told as "15 minutes", and the number's own lasts an hour)."""
    ends = [end for end in (_misses_free_at(turn, MAX_FAILED_MATCHES, FAILED_MATCH_WINDOW),
                            _misses_free_at(turn, MAX_REFERENCE_MISSES, REFERENCE_MISS_WINDOW, subject=subject))
            if end is not None]
    return max(ends) if ends else None


def _misses_free_at(turn: Turn, limit: int, window: timedelta, *, subject: str | None = None) -> datetime | None:
    """None while fewer than `limit` misses are in the window; else when the oldest of the newest `limit` leaves it."""
    who = m.AuditEntry.subject == subject if subject is not None else m.AuditEntry.actor == turn.message.sender
    newest = list(turn.session.scalars(select(m.AuditEntry.at).where(
        m.AuditEntry.merchant_id == turn.merchant.id, who, m.AuditEntry.action == "identify",
        m.AuditEntry.result == "no_match", m.AuditEntry.at >= turn.now - window,
    ).order_by(m.AuditEntry.at.desc()).limit(limit)))
    if len(newest) < limit:
        return None
    at = newest[-1]
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)) + window


def _wait(turn: Turn, until: datetime) -> dict[str, str]:
    """The end of a pause both ways, rounded up to the next whole minute: a try at the time said is let through."""
    ready = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return wait_values(turn, ready)


def _bare_reference(turn: Turn) -> Named | None:
    """We asked for a number, so a bare "its 55821" or "pb100000001gb" is an answer even without cue words."""
    for token in re.findall(r"#?[A-Za-z0-9-]{5,24}", turn.text):
        token = token.lstrip("#")
        if any(ch.isdigit() for ch in token):
            return _naming(turn, token)
    return None


@flow.step("number")
def number(turn: Turn) -> None:
    named = _named_in_message(turn)
    if named is None and _postcode_first(turn):
        return
    if named is None:
        named = _bare_reference(turn)
    if named is None:
        turn.reask("utter_need_tracking_number", whole=True)
        return
    shipment = _check_named(turn, named, None)
    if shipment is not None:
        _resume_caller(turn, shipment)


def _postcode_first(turn: Turn) -> bool:
    """Asked for the number, the postcode came first ("M1 4BT", "m14bt", "my postcode is m1 4bt"): kept, unchecked,
    for the number when it comes (`_check_named`), and the number asked for again saying so (review 11: it was
    forgotten, and "m14bt" taken for an order number). A bare ZIP is left alone: five digits may be the order's."""
    given = postcode_given(turn)
    if given is None or not (re.search(r"[A-Za-z]", given) or re.search(r"\b(?:post\s?code|zip)", turn.text, re.I)):
        return False
    turn.state.mentioned["postcode"] = given
    turn.say("utter_need_tracking_number_postcode_noted", code_name=code_name(turn))  # a step, not a miss
    return True


@flow.step("choose")
def choose(turn: Turn) -> None:
    options = turn.slots.get("choices") or []
    shipments = [turn.backend.get_shipment(t) for t in options]
    if picks_all(turn.text, len(options)):  # "both": every parcel on the list; a change, one at a time
        if turn.slots.get("many"):
            turn.return_(tracking_numbers=[s.tracking_number for s in shipments if s])
        else:
            _resume_caller(turn, one_at_a_time(turn, [s for s in shipments if s], turn.slots.get("request")))
        return
    labels = [f"{s.tracking_number} {parcel_label(s)} {s.order_number or ''}" for s in shipments if s]
    left = excluding(turn.message.text, labels)  # "not the socks, the other one": the part before is blanked
    index = left[0] if left and len(left) == 1 else pick(turn.text, labels)
    named = _named_in_message(turn) if index is None else None
    if named is not None:
        index = next((i for i, s in enumerate(shipments) if s and s in named.seen), None)
    if index is None and named is not None:  # a parcel not on the list: it needs its own proof
        shipment = _check_named(turn, named, None)
        if shipment is not None:
            _resume_caller(turn, shipment)
        return
    if index is None:
        turn.reask()
        return
    _resume_caller(turn, shipments[index])


@flow.step("postcode")
def postcode(turn: Turn) -> None:
    named = _named_in_message(turn)
    if named is not None:  # a corrected number (maybe with its postcode): ask about that one instead
        shipment = _check_named(turn, named, None)
        if shipment is not None:
            _resume_caller(turn, shipment)
        return
    given = postcode_given(turn)
    if given is not None:
        _check_postcode(turn, given)
    elif not_known(turn.text):  # "dunno, its my sons address": where to find it, or another way to prove it
        turn.say("utter_identify_postcode_unknown", code_name=code_name(turn))
    elif turn.nlu.intent == "deny" or _plain(turn.text) in _LEAVE:
        turn.finish()
        turn.say("utter_cancelled")
    else:
        # Not a guess ("no idea", a stray sentence, SQL): asked again, never counted, so nobody can lock the
        # real recipient out by typing rubbish at their number.
        turn.reask("utter_identify_not_a_postcode", code_name=code_name(turn))


_LEAVE = frozenset({"no", "nope", "nah", "no thanks", "leave it"})


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def _check_postcode(turn: Turn, value: str) -> None:
    """One guess at the named number's postcode: a match proves the parcel and resumes the journey; a miss is
    audited under the number as typed and counts towards both limits, whoever sends it and whether or not
    the parcel exists."""
    reference = turn.slots.get("reference")
    turn.state.mentioned.pop("postcode", None)  # checked now: never counted twice
    subject = str(reference or "")
    # Overlapping guesses by one sender or at one number take turns (in one order, so two never wait on each
    # other), so none reads a stale count of misses.
    for key in sorted({f"number:{subject}", f"sender:{turn.message.sender}"}):
        take_turns(turn.session, f"identify:{key}")
    paused_until = _paused_until(turn, subject)
    if paused_until is not None:
        _drop_superseded(turn)
        turn.finish()
        turn.say("utter_identify_locked", code_name=code_name(turn), **_wait(turn, paused_until))
        return
    candidates = _lookup(turn, reference)
    match = next(
        (s for s in candidates if s.address.postcode and postcode_key(s.address.postcode) == postcode_key(value)),
        None,
    )
    if match is None:
        # The question stays open, so a retry with the right postcode (or number) carries on from here.
        turn.audit("identify", "no_match", subject=subject or None)
        turn.say("utter_identify_no_match", code_name=code_name(turn))
        return
    turn.mark_verified(match, "tracking_and_postcode")
    _resume_caller(turn, match)
