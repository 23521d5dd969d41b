"""Finding a shopper's conversations for a person in the console: a shopper phones ("I texted you this morning,
+44 7700 900456", "it's about PB123456") and the agent types what they hear into the queue page's search box.

What matches, always within the merchant's own conversations (nothing here reads another merchant's rows):
- a phone number, however it is typed ("07700 900456", "+44 7700 900456", "447700900456", "(415) 555-0134"
  for a US merchant): made E.164 in the merchant's region (settings["region"]) by bot/core/phone.py, as every
  number the bot stores is, then the conversation at that number on each phone channel;
- a tracking or order number (case and spaces ignored, a leading "#" too): the merchant's parcel with that
  number, then the conversation at its recipient's phone (the conversation whose parcels the console shows);
- and for either, every conversation that talked about one of those parcels: the audit log names the sender
  and the parcel of every parcel a shopper proved (bot/core/proofs.py writes a "verification" entry for each
  proof kept in conversations.verified_shipment_ids), was shown or changed, or named and didn't match. That
  is how a web chat, which has no phone number, is found.

Nothing typed reaches SQL but as a normalised value (E.164, or a reference of letters, digits and . _ / -),
so a NUL, a control character or markup finds nothing rather than failing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backend import models as m
from bot.core.channels import phone_channels
from bot.core.phone import InvalidPhoneNumber, to_e164

MAX_QUERY = 100  # characters of a search: a phone number, a tracking or an order number is far shorter
FOUND_MAX = 50  # conversations a search shows (the newest first); more says "narrow it down"
_PARCELS_MAX = 50  # parcels one search follows
_SENDERS_MAX = 4 * FOUND_MAX  # senders who talked about them
_PHONE = re.compile(r"\+?[\d\s().\-/]{6,30}")  # only digits and what people put between them
_REFERENCE = re.compile(r"[A-Z0-9][A-Z0-9._/\-]{1,63}")  # a tracking or order number, as stored (upper case)
_PEOPLE = ("agent:", "api:", "system:")  # audit actors that are not a shopper's address


@dataclass(frozen=True)
class Search:
    """What an agent typed, read every way it could name a shopper."""

    text: str  # as typed, without control or format characters, trimmed
    phone: str | None = None  # E.164 in the merchant's region
    reference: str | None = None  # a tracking or order number: no spaces, no leading "#", upper case

    @classmethod
    def read(cls, raw: str, region: str = "GB") -> Search:
        text = " ".join("".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").split())[:MAX_QUERY]
        phone = None
        if _PHONE.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 6:
            try:
                phone = to_e164(text, region)
            except InvalidPhoneNumber:
                phone = None
        key = "".join(text.split()).lstrip("#").upper()
        reference = key if key.isascii() and _REFERENCE.fullmatch(key) else None
        return cls(text, phone, reference)

    @property
    def usable(self) -> bool:
        return self.phone is not None or self.reference is not None


def find_conversations(session: Session, merchant_id: int, search: Search, *, limit: int = FOUND_MAX,
                       ) -> list[m.Conversation]:
    """The merchant's conversations `search` names, the most recent first; at most `limit` + 1 (one more
    than is shown says there are more)."""
    phones = {search.phone} if search.phone else set()
    parcels = _parcels(session, merchant_id, search)
    phones |= {phone for _, phone in parcels if phone}
    numbers = {number for number, _ in parcels} | ({search.reference} if search.reference else set())
    Conv = m.Conversation
    named = [and_(Conv.channel.in_(sorted(phone_channels())), Conv.address.in_(sorted(phones)))] if phones else []
    named += [and_(Conv.channel == channel, Conv.address == address) if channel else Conv.address == address
              for address, channel in _talked_about(session, merchant_id, numbers)]
    if not named:
        return []
    return list(session.scalars(select(Conv).where(Conv.merchant_id == merchant_id, or_(*named))
                                .order_by(Conv.last_message_at.desc(), Conv.id.desc()).limit(limit + 1)))


def _parcels(session: Session, merchant_id: int, search: Search) -> list[tuple[str, str | None]]:
    """(tracking number, recipient's phone) of the merchant's parcels the search names: by tracking or order
    number (an order number case-blind: migration 0017's index), and those sent to the phone number."""
    S = m.Shipment
    which = []
    if search.reference:
        which += [S.tracking_number == search.reference, func.upper(S.order_number) == search.reference]
    if search.phone:
        which.append(S.recipient_phone == search.phone)
    if not which:
        return []
    rows = session.execute(select(S.tracking_number, S.recipient_phone).where(S.merchant_id == merchant_id, or_(*which))
                           .order_by(S.id.desc()).limit(_PARCELS_MAX))
    return [(number, phone) for number, phone in rows]


def _talked_about(session: Session, merchant_id: int, numbers: set[str]) -> list[tuple[str, str | None]]:
    """(address, channel) of the senders whose conversations named, proved, saw or changed one of these
    parcels (the audit log's subject is the tracking number; its actor, the shopper's address)."""
    if not numbers:
        return []
    A = m.AuditEntry
    rows = session.execute(select(A.actor, A.channel).where(
        A.merchant_id == merchant_id, A.subject.in_(sorted(numbers)), *(~A.actor.startswith(p) for p in _PEOPLE))
        .distinct().limit(_SENDERS_MAX))
    return [(actor, channel) for actor, channel in rows]
