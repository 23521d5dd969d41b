"""Domain objects every backend speaks: what the bot knows about a parcel, independent of the carrier."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from backend.masking import masked_address
from backend.reasons import Reason


class ShipmentStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    HELD = "held"
    RETURNED_TO_SENDER = "returned_to_sender"
    EXCEPTION = "exception"


class ActionKind(StrEnum):
    """Changes a shopper can ask for. A backend declares the subset its carrier supports."""

    LEAVE_WITH_NEIGHBOUR = "leave_with_neighbour"
    LEAVE_IN_SAFE_PLACE = "leave_in_safe_place"
    ADD_DELIVERY_NOTE = "add_delivery_note"
    RESCHEDULE = "reschedule_delivery"
    PICKUP_POINT = "deliver_to_pickup_point"
    HOLD = "hold_delivery"
    CHANGE_ADDRESS = "change_delivery_address"
    CANCEL_ORDER = "cancel_order"


class ResultStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PENDING = "pending"


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    postcode: str
    country: str = "GB"
    line2: str | None = None

    def masked(self) -> str:
        """Enough for the recipient to recognise, too little for anyone else to use: "3 ***, M1 ***"."""
        return masked_address(self.line1, self.postcode)


@dataclass(frozen=True)
class TimeWindow:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class TrackingEvent:
    event_id: str
    status: ShipmentStatus
    occurred_at: datetime
    location: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Shipment:
    tracking_number: str
    order_number: str | None
    carrier: str
    merchant_slug: str
    recipient_name: str
    recipient_phone: str | None
    recipient_email: str | None
    address: Address
    status: ShipmentStatus
    eta: TimeWindow | None = None
    signature_required: bool = False
    value: Decimal | None = None
    currency: str = "GBP"
    items: tuple[dict[str, Any], ...] = ()
    instructions: dict[str, Any] = field(default_factory=dict)
    live: dict[str, Any] = field(default_factory=dict)
    events: tuple[TrackingEvent, ...] = ()
    locked_reason: str | None = None
    tracking_url: str | None = None


@dataclass(frozen=True)
class PickupPoint:
    id: str
    name: str
    address: str
    opening_hours: str
    distance_km: float | None = None


@dataclass(frozen=True)
class ActionOption:
    """An action as it stands for one parcel right now: available or not, and on what terms.

    Why not: `reason_code` is ours (worded by the bot in the merchant's voice, backend/reasons.py);
    `reason` is a remote carrier's own free text, shown as it came when there is no code.
    `address_area` (change_delivery_address): the delivery area a new address must stay in (a UK outward
    code such as "M1", or a ZIP's leading digits); None when the carrier sets no such limit. The bot checks
    a new address against it before asking the shopper to confirm or for a code.
    """

    kind: ActionKind
    available: bool
    reason: str | None = None
    reason_code: Reason | None = None
    windows: tuple[TimeWindow, ...] = ()
    pickup_points: tuple[PickupPoint, ...] = ()
    cutoff: datetime | None = None
    fee: Decimal | None = None
    currency: str = "GBP"
    max_hold_days: int | None = None
    address_area: str | None = None


@dataclass(frozen=True)
class DeliveryAction:
    kind: ActionKind
    params: dict[str, Any] = field(default_factory=dict)
    fee_accepted: bool = False


@dataclass(frozen=True)
class ActionResult:
    """The answer to a change; a refusal says why as on ActionOption (`reason_code` first, else `reason`)."""

    status: ResultStatus
    reference: str | None = None
    reason: str | None = None
    reason_code: Reason | None = None

    @property
    def accepted(self) -> bool:
        return self.status is ResultStatus.ACCEPTED


@dataclass(frozen=True)
class ProofOfDelivery:
    delivered_at: datetime | None
    place: str | None
    photo_keys: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    signature_name: str | None = None


@dataclass(frozen=True)
class ReturnRequest:
    items: tuple[str, ...]
    reason: str
    method: str = "drop_off"  # drop_off | collection


@dataclass(frozen=True)
class ReturnInfo:
    reference: str
    status: str  # created | in_transit | received | refunded | rejected
    label_url: str | None = None
    qr_code_url: str | None = None
    drop_off_options: tuple[str, ...] = ()
    refund_amount: Decimal | None = None
    refunded_at: datetime | None = None


@dataclass(frozen=True)
class ChangeContext:
    """Who asked for a change and how they proved it: written to the audit log with the change."""

    actor: str
    channel: str
    verified_by: str
