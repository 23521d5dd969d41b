"""Database models: the bot's own state plus the reference carrier's shipments.

Everything the bot knows lives here (not in process memory), so any worker can answer any message
and a restart loses nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in and out on every database (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sms_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    whatsapp_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # Wording overrides, brand, per-action verification policy and service rules: merchant data, not code.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def zone(self, default: str = "Europe/London") -> ZoneInfo:
        """The merchant's time zone; a missing or unknown name falls back rather than failing a page or text."""
        for name in (self.timezone, default):
            try:
                return ZoneInfo(name) if name else ZoneInfo(default)
            except (ZoneInfoNotFoundError, ValueError):
                continue
        return ZoneInfo("Europe/London")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    merchant: Mapped[Merchant] = relationship()


class User(Base):
    """A person who signs in to the console: an agent answers shoppers, an admin also manages the merchant.
    A user belongs to one merchant and sees only its conversations (tenant isolation)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default="agent")  # "agent" | "admin"
    phone: Mapped[str | None] = mapped_column(String(20), default=None)  # E.164: where "send me a test" goes
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id (bot/services/users.py)
    max_open: Mapped[int] = mapped_column(Integer, default=5)  # conversations assigned at once, at most
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # In every session cookie of this user; signing out adds one, so a copy of a cookie taken before it (a
    # shared desk, a proxy log) no longer signs anyone in (the cookie is signed, not stored: nothing to delete).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    merchant: Mapped[Merchant] = relationship()


class ConversationNote(Base):
    """An internal note on a conversation: for the team, never sent to the shopper."""

    __tablename__ = "conversation_notes"
    __table_args__ = (
        # The same note posted twice (a double click, a resubmitted form, a helpdesk's retry) is kept once: the
        # key is made as a reply's is (bot/services/console.py once_key). Migration 0016.
        UniqueConstraint("conversation_id", "dedupe_key", name="uq_note_conversation_dedupe"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))  # "agent:sam@shop.example", "api:pb_12ab"
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), default=None)


class Contact(Base):
    """A shopper's address on one merchant's channels (opt-out and standing preferences are per merchant)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("merchant_id", "phone", name="uq_contact_merchant_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    opted_out_at: Mapped[datetime | None] = mapped_column(default=None)
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("merchant_id", "channel", "address", name="uq_conversation_address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    # The sender's address on that channel: E.164 for SMS/WhatsApp, a session id for web chat.
    address: Mapped[str] = mapped_column(String(128))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verified_shipment_ids: Mapped[list[Any]] = mapped_column(default=list)
    verified_until: Mapped[datetime | None] = mapped_column(default=None)
    verified_by: Mapped[str | None] = mapped_column(String(32), default=None)
    # Who owns the conversation (bot/core/conversations.py Status): "bot", "waiting" (for a person),
    # "with_agent" (assignee_id has it) or "resolved". waiting_since: when it started waiting for a person.
    status: Mapped[str] = mapped_column(String(16), default="bot", index=True)
    assignee_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    # When the person who has it (or had it last) took it over: their time to answer starts there, not at a
    # shopper's message that waited in the queue (bot/services/console.py unanswered). Migration 0014.
    taken_at: Mapped[datetime | None] = mapped_column(default=None)
    handoff_reason: Mapped[str | None] = mapped_column(String(64), default=None)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    merchant: Mapped[Merchant] = relationship()
    contact: Mapped[Contact | None] = relationship()

    @property
    def handed_off(self) -> bool:
        """Waiting for, or with, a person: the bot does not answer as usual."""
        return self.status in ("waiting", "with_agent")


class Message(Base):
    """Every message in or out. Outbound rows are the outbox: one table, one path for every send."""

    __tablename__ = "messages"
    __table_args__ = (
        # A channel's own id (Twilio's MessageSid) is stored once: a retried webhook hits this constraint.
        UniqueConstraint("direction", "channel", "channel_message_id", name="uq_message_channel_id"),
        # A dedupe key is the merchant's own (migration 0007): it names a tracking number, which only the merchant
        # makes unique, so one merchant's notification must never stand in for (or reveal) another's.
        UniqueConstraint("merchant_id", "dedupe_key", name="uq_message_merchant_dedupe"),
        Index("ix_messages_outbox", "direction", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    channel: Mapped[str] = mapped_column(String(20))
    channel_message_id: Mapped[str | None] = mapped_column(String(64), default=None)
    sender: Mapped[str] = mapped_column(String(128))
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    media_urls: Mapped[list[Any]] = mapped_column(default=list)
    # in: "received"; out: "reply" (answered in the webhook response), "queued", "sent", "failed", "sandbox".
    status: Mapped[str] = mapped_column(String(16))
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    intent: Mapped[str | None] = mapped_column(String(64), default=None)
    confidence: Mapped[float | None] = mapped_column(default=None)
    # Who wrote an outbound message when it wasn't the bot: "agent:sam@shop.example", "api:pb_12ab".
    author: Mapped[str | None] = mapped_column(String(200), default=None)
    # For proactive messages: the event that caused it, so one event never notifies twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), default=None)
    send_after: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when a send's outcome became unknown (its answer lost, its sender killed mid-send): it may have reached
    # the shopper, so the next attempt asks the transport before sending again (bot/jobs/send_outbox.py).
    unsure_since: Mapped[datetime | None] = mapped_column(default=None)
    # Inbound: which delivery of the webhook carried its replies (InboundMessage.attempt): the one that stored it,
    # or a retry later answered with them. A message kept through an outage is texted its stored replies only if
    # its own delivery stored it (bot/core/outbox.queue_unsent_replies); otherwise a retry's answer carried them.
    answered_by: Mapped[str | None] = mapped_column(String(32), default=None)


class EarlyReceipt(Base):
    """A delivery receipt for a MessageSid no message holds yet. Twilio can call back within milliseconds of
    answering a send, before the sender's transaction has stored the SID: the receipt waits here and is applied
    when the send is recorded (bot/jobs/send_outbox.py). One row per SID, the furthest status seen."""

    __tablename__ = "early_receipts"

    channel_message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    receipt: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(String(64), default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Shipment(Base):
    """A parcel as the reference carrier knows it (the embedded default backend's own table)."""

    __tablename__ = "shipments"
    # A tracking number is the carrier's, given to one merchant: two merchants (or two carriers) may use the
    # same one, and neither may learn that the other does (migration 0005). Merchant first: every lookup is
    # "this merchant's parcel with this number", which the constraint's index serves.
    __table_args__ = (
        UniqueConstraint("merchant_id", "tracking_number", "carrier", name="uq_shipment_merchant_tracking_carrier"),
        # The console's search finds an order number whatever its case (migration 0017).
        Index("ix_shipments_merchant_order_upper", "merchant_id", text("upper(order_number)")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(40))
    order_number: Mapped[str | None] = mapped_column(String(40), index=True)
    carrier: Mapped[str] = mapped_column(String(40), default="reference")
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    recipient_email: Mapped[str | None] = mapped_column(String(254), index=True)
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str | None] = mapped_column(String(200), default=None)
    city: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    country: Mapped[str] = mapped_column(String(2), default="GB")
    status: Mapped[str] = mapped_column(String(24), default="label_created")
    status_at: Mapped[datetime | None] = mapped_column(default=None)
    eta_start: Mapped[datetime | None] = mapped_column(default=None)
    eta_end: Mapped[datetime | None] = mapped_column(default=None)
    signature_required: Mapped[bool] = mapped_column(Boolean, default=False)
    value_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    value_currency: Mapped[str] = mapped_column(String(3), default="GBP")
    items: Mapped[list[Any]] = mapped_column(default=list)
    # Current delivery instructions (neighbour, safe place, note, pickup point, hold, new window...).
    instructions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Driver progress: stops away, narrowed ETA, position.
    live: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locked_reason: Mapped[str | None] = mapped_column(String(64), default=None)
    changes_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    merchant: Mapped[Merchant] = relationship()
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment", order_by="TrackingEvent.occurred_at", cascade="all, delete-orphan"
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "event_id", name="uq_event_sender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(200), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class ProofOfDeliveryRecord(Base):
    __tablename__ = "proofs_of_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), unique=True)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    place: Mapped[str | None] = mapped_column(String(200), default=None)
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)
    signature_name: Mapped[str | None] = mapped_column(String(200), default=None)
    # Storage keys of the photos (never public URLs: those are signed on demand).
    photos: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredPhoto(Base):
    """A proof-of-delivery photo's bytes (bot/core/storage.py). In the database, so every web host serves every
    photo with no shared volume, and a backup of the database is a backup of the photos."""

    __tablename__ = "photos"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryChange(Base):
    """A change applied (or attempted) at the carrier; the idempotency key makes a retry harmless."""

    __tablename__ = "delivery_changes"
    # The key may come from a merchant's own system (the conversation API): unique per merchant (migration 0007).
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key", name="uq_delivery_change_merchant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # accepted | rejected | pending
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    reference: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    verified_by: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OneTimeCode(Base):
    __tablename__ = "one_time_codes"
    # Strangers' code budget is counted per phone (or email) the codes go to (bot/services/verification.py).
    __table_args__ = (Index("ix_one_time_codes_sent_to_created_at", "sent_to", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(40), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    sent_to: Mapped[str] = mapped_column(String(254))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # A sender's recent attempts are counted on lookups (dialogues/subflows/identify.py _counted): without this,
    # every such count read the whole window of everyone's audit rows (merchant_id and `at` alone don't narrow it).
    __table_args__ = (Index("ix_audit_log_actor_action_at", "actor", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # "+447700900123", "agent:sam", "api:key-prefix"
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64), index=True)  # tracking number, usually
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    verification: Mapped[str | None] = mapped_column(String(32), default=None)
    result: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PendingRequest(Base):
    """A request to a far-side system that could not be made yet: stored, retried by a job."""

    __tablename__ = "pending_requests"
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key", name="uq_pending_request_merchant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConfigRevision(Base):
    """One change to a merchant's configuration (a template, the settings, an import): who, when, before and
    after. The merchant console's history and revert read these; the current value lives in merchant.settings
    (so the wording service reads one place), this is the record of how it got there."""

    __tablename__ = "config_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "template" | "settings" | "import" | "revert"
    name: Mapped[str] = mapped_column(String(100))  # the template's key, or the settings section
    channel: Mapped[str | None] = mapped_column(String(20), default=None)  # a template variant; None: every channel
    before: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)  # None: the default was in force
    after: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)  # None: back to the default
    author: Mapped[str] = mapped_column(String(200))  # "admin:ann@shop.example", "api:pb_12ab", "cli"
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Payment(Base):
    """A shopper paying for a paid option (an evening slot, a premium reroute) before it is applied.

    The change waits here, fully described (`action`, the key of its one attempt), until the payment provider
    confirms; then it is applied once. A link that expires unpaid is refused politely; a refund is recorded
    against the payment."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key", name="uq_payment_merchant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))  # "sandbox" | "stripe"
    provider_ref: Mapped[str] = mapped_column(String(128), unique=True)  # Checkout Session id, or ours
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True, default=None)
    tracking_number: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the serialised DeliveryAction
    idempotency_key: Mapped[str] = mapped_column(String(128))  # the change's one attempt
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    # open -> paid -> applied | failed (the carrier refused after payment: refunded);  open -> expired
    url: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    applied_at: Mapped[datetime | None] = mapped_column(default=None)
    refunded_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
