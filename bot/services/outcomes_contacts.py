"""Contacts, containment and handoffs: what the bot handled alone and what needed a person.

A Conversation row lives as long as the shopper's address on that channel (one per shopper and channel), so
it is not a unit of work to count. A *contact* is: the shopper's messages in one conversation with no silence
of SESSION_GAP between them. It starts with the first of them, belongs to that moment's local day, and ends
where the next contact starts. Everything here comes from three grouped reads (inbound messages, people's
replies, handoff audit entries) over the range, walked in Python: no query per contact.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from bot.services.outcomes_base import Metric, Series, Window, count, median, per_day, percentile, ratio

SESSION_GAP = timedelta(hours=24)  # a shopper writing again after a day of silence starts a new contact
REPEAT_WINDOW = timedelta(days=3)  # coming back within this after a contact means it wasn't settled
PERSON_RESULTS = ("requested", "taken_over")  # handoff audit results that bring a person in


@dataclass
class Contact:
    conversation_id: int
    shopper: tuple[str, int]  # ("contact", id) when we know the person, else ("conv", conversation id)
    channel: str
    start: datetime
    last: datetime  # the shopper's last message in it
    until: datetime | None = None  # the next contact's start in the same conversation
    handoff: bool = False
    person_replied: bool = False
    repeat: bool = False


@dataclass(frozen=True)
class ContactFigures:
    contacts: Metric
    by_channel: dict[str, int]
    per_day: Series
    containment: Metric
    contained: int
    pending: int
    handoff_rate: Metric
    first_reply_median: Metric
    first_reply_p90: Metric
    unanswered_handoffs: int
    containment_per_day: Series


def _conv_id(subject: str | None) -> int | None:
    if subject and subject.startswith("conv:") and subject[5:].isdigit():
        return int(subject[5:])
    return None


def _contacts(session: Session, merchant_id: int, w: Window) -> list[Contact]:
    rows = session.execute(
        select(m.Message.conversation_id, m.Message.created_at, m.Message.channel, m.Conversation.contact_id)
        .join(m.Conversation, m.Conversation.id == m.Message.conversation_id)
        .where(m.Message.merchant_id == merchant_id, m.Message.direction == "in",
               m.Message.created_at >= w.start_utc - SESSION_GAP, m.Message.created_at < w.end_utc + REPEAT_WINDOW)
        .order_by(m.Message.conversation_id, m.Message.created_at)
    ).all()
    out: list[Contact] = []
    current: Contact | None = None
    for conv_id, at, channel, contact_id in rows:
        if current is not None and current.conversation_id == conv_id and at - current.last <= SESSION_GAP:
            current.last = at
            continue
        if current is not None and current.conversation_id == conv_id:
            current.until = at
        shopper = ("contact", contact_id) if contact_id is not None else ("conv", conv_id)
        current = Contact(conv_id, shopper, channel, at, at)
        out.append(current)
    return out


def _mark_people(session: Session, merchant_id: int, w: Window,
                 contacts: list[Contact]) -> list[tuple[int, datetime, datetime | None]]:
    """Flag the contacts a person was brought into or wrote in; returns the handoff requests in the range."""
    replies: dict[int, list[datetime]] = defaultdict(list)
    for conv_id, at in session.execute(
        select(m.Message.conversation_id, m.Message.created_at)
        .where(m.Message.merchant_id == merchant_id, m.Message.direction == "out", m.Message.author.is_not(None),
               m.Message.created_at >= w.start_utc - SESSION_GAP)
        .order_by(m.Message.created_at)
    ):
        replies[conv_id].append(at)
    handoffs: dict[int, list[datetime]] = defaultdict(list)
    requests: list[tuple[int, datetime]] = []
    for subject, at, result in session.execute(
        select(m.AuditEntry.subject, m.AuditEntry.at, m.AuditEntry.result)
        .where(m.AuditEntry.merchant_id == merchant_id, m.AuditEntry.action == "handoff",
               m.AuditEntry.result.in_(PERSON_RESULTS), m.AuditEntry.at >= w.start_utc - SESSION_GAP,
               m.AuditEntry.at < w.end_utc + REPEAT_WINDOW)
        .order_by(m.AuditEntry.at)
    ):
        conv_id = _conv_id(subject)
        if conv_id is None:
            continue
        handoffs[conv_id].append(at)
        if result == "requested" and w.holds(at):
            requests.append((conv_id, at))
    for c in contacts:
        c.handoff = _any_between(handoffs.get(c.conversation_id, ()), c.start, c.until)
        c.person_replied = _any_between(replies.get(c.conversation_id, ()), c.start, c.until)
    return [(conv, at, _first_after(replies.get(conv, ()), at)) for conv, at in requests]


def _any_between(moments: list[datetime] | tuple[()], start: datetime, until: datetime | None) -> bool:
    i = bisect_left(moments, start)
    return i < len(moments) and (until is None or moments[i] < until)


def _first_after(moments: list[datetime] | tuple[()], at: datetime) -> datetime | None:
    i = bisect_left(moments, at)
    return moments[i] if i < len(moments) else None


def _mark_repeats(contacts: list[Contact]) -> None:
    starts: dict[tuple[str, int], list[datetime]] = defaultdict(list)
    for c in contacts:
        starts[c.shopper].append(c.start)
    for moments in starts.values():
        moments.sort()
    for c in contacts:
        later = starts[c.shopper]
        i = bisect_right(later, c.start)  # the same shopper's next contact, on any of their conversations
        c.repeat = i < len(later) and later[i] - c.last <= REPEAT_WINDOW


def contact_figures(session: Session, merchant_id: int, w: Window) -> ContactFigures:
    everything = _contacts(session, merchant_id, w)
    requests = _mark_people(session, merchant_id, w, everything)
    _mark_repeats(everything)
    contacts = [c for c in everything if w.holds(c.start)]
    by_channel: dict[str, int] = defaultdict(int)
    for c in contacts:
        by_channel[c.channel] += 1
    helped = [c for c in contacts if c.handoff or c.person_replied]
    # A contact is judged once its repeat window has passed, or as soon as it failed (a person, a repeat).
    judged = [c for c in contacts if c.handoff or c.person_replied or c.repeat or c.last + REPEAT_WINDOW <= w.now]
    contained = [c for c in judged if not (c.handoff or c.person_replied or c.repeat)]
    waits = [(reply - at).total_seconds() for _, at, reply in requests if reply is not None]
    daily_judged = per_day(w, (("judged", c.start) for c in judged))
    daily_contained = per_day(w, (("contained", c.start) for c in contained))
    daily_all = per_day(w, (("all", c.start) for c in contacts))
    zeros = [0] * len(daily_all.days)
    judged_counts = daily_judged.values.get("judged", zeros)
    contained_counts = daily_contained.values.get("contained", zeros)
    # A day with contacts not yet judged has no rate yet: only its failures would be known, a false dip.
    rate = [round(k / n, 4) if n and n == a else None
            for k, n, a in zip(contained_counts, judged_counts, daily_all.values.get("all", zeros), strict=True)]
    return ContactFigures(
        contacts=count("contacts", "Contacts", len(contacts),
                       "Times a shopper got in touch: their messages in one conversation with no silence of "
                       "24 hours between them, counted on the day the first one came."),
        by_channel=dict(sorted(by_channel.items())),
        per_day=per_day(w, ((c.channel, c.start) for c in contacts)),
        containment=ratio("containment", "Handled by the bot alone", len(contained), len(judged),
                          "Contacts with no handoff, no reply from a person and no new contact from the same "
                          "shopper within 3 days, out of the contacts that can be judged (3 days have passed, or "
                          "one of those already happened)."),
        contained=len(contained),
        pending=len(contacts) - len(judged),
        handoff_rate=ratio("handoff_rate", "Handed to a person", len(helped), len(contacts),
                           "Contacts in which the shopper was handed to a person, or a person took over or "
                           "replied, out of all contacts."),
        first_reply_median=Metric("first_reply_median", "First reply from a person (median)", median(waits),
                                  "seconds", "From a handoff request to the first reply a person wrote in that "
                                  "conversation: the middle value.", len(waits), len(requests)),
        first_reply_p90=Metric("first_reply_p90", "First reply from a person (90th percentile)",
                               percentile(waits, 90), "seconds", "Nine in ten shoppers handed to a person "
                               "heard from them within this time (nearest rank).", len(waits), len(requests)),
        unanswered_handoffs=len(requests) - len(waits),
        containment_per_day=Series(daily_judged.days, {"containment": rate}),  # type: ignore[dict-item]
    )
