"""Shopify Admin REST JSON (orders, fulfillments, fulfillment events, refunds) -> our domain objects.

One Shopify order becomes one Shipment per fulfillment (each fulfillment has one tracking number). An
order with no fulfillment yet becomes a placeholder shipment "ORDER-<number>" in label_created, so the
shopper can still ask where it is or cancel it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.types import Address, ProofOfDelivery, ReturnInfo, Shipment, ShipmentStatus, TimeWindow, TrackingEvent

ORDER_PREFIX = "ORDER-"

# fulfillment.shipment_status (and fulfillment event status) -> our status. None means "fulfilled, no
# carrier updates yet", which for a shopper is in transit.
SHIPMENT_STATUS = {
    None: ShipmentStatus.IN_TRANSIT,
    "label_printed": ShipmentStatus.LABEL_CREATED,
    "label_purchased": ShipmentStatus.LABEL_CREATED,
    "confirmed": ShipmentStatus.IN_TRANSIT,
    "carrier_picked_up": ShipmentStatus.IN_TRANSIT,
    "in_transit": ShipmentStatus.IN_TRANSIT,
    "delayed": ShipmentStatus.IN_TRANSIT,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "attempted_delivery": ShipmentStatus.FAILED_ATTEMPT,
    "ready_for_pickup": ShipmentStatus.HELD,
    "delivered": ShipmentStatus.DELIVERED,
    "picked_up": ShipmentStatus.DELIVERED,
    "failure": ShipmentStatus.EXCEPTION,
    "not_delivered": ShipmentStatus.EXCEPTION,
}


def status_of(shipment_status: str | None) -> ShipmentStatus:
    return SHIPMENT_STATUS.get(shipment_status.lower() if shipment_status else None, ShipmentStatus.IN_TRANSIT)


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def order_number_of(order: dict[str, Any]) -> str:
    """The number the shopper sees: name "#1001" -> "1001" (order_number when a shop has no prefix)."""
    name = str(order.get("name") or "").lstrip("#")
    return name or str(order.get("order_number") or order.get("id"))


def tracking_of(fulfillment: dict[str, Any]) -> str | None:
    number = fulfillment.get("tracking_number") or next(iter(fulfillment.get("tracking_numbers") or []), None)
    return str(number).strip().upper() if number else None


def _recipient(order: dict[str, Any]) -> tuple[str, str | None, str | None]:
    ship = order.get("shipping_address") or {}
    customer = order.get("customer") or {}
    name = ship.get("name") or " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
    phone = ship.get("phone") or order.get("phone") or customer.get("phone")
    email = order.get("email") or order.get("contact_email") or customer.get("email")
    return name or "", phone or None, (email or "").lower() or None


def _address(order: dict[str, Any]) -> Address:
    ship = order.get("shipping_address") or {}
    return Address(
        line1=ship.get("address1") or "",
        city=ship.get("city") or "",
        postcode=(ship.get("zip") or "").upper(),
        country=(ship.get("country_code") or "GB").upper(),
        line2=ship.get("address2") or None,
    )


def _items(lines: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"sku": li.get("sku") or "", "name": li.get("name") or li.get("title") or "", "quantity": li.get("quantity", 1)}
        for li in lines
    )


def _events(raw: list[dict[str, Any]]) -> tuple[TrackingEvent, ...]:
    events = []
    for e in raw:
        at = _dt(e.get("happened_at") or e.get("created_at"))
        if at is None:
            continue
        place = ", ".join(p for p in (e.get("city"), e.get("province"), e.get("country")) if p) or None
        events.append(TrackingEvent(str(e.get("id")), status_of(e.get("status")), at, place, e.get("message")))
    return tuple(sorted(events, key=lambda ev: ev.occurred_at))


def shipments_from_order(
    order: dict[str, Any], merchant_slug: str, events: dict[str, list[dict[str, Any]]] | None = None
) -> list[Shipment]:
    """Every parcel of the order. `events` (fulfillment id -> events) adds history and an ETA when known."""
    name, phone, email = _recipient(order)
    number = order_number_of(order)
    cancelled = bool(order.get("cancelled_at"))
    common = {
        "order_number": number,
        "merchant_slug": merchant_slug,
        "recipient_name": name,
        "recipient_phone": phone,
        "recipient_email": email,
        "address": _address(order),
        "value": _money(order.get("total_price")),
        "currency": (order.get("currency") or "GBP").upper(),
    }
    out = []
    for f in order.get("fulfillments") or []:
        if (f.get("status") or "").lower() in {"cancelled", "error", "failure"}:
            continue
        raw_events = (events or {}).get(str(f.get("id")), [])
        estimate = next((_dt(e.get("estimated_delivery_at")) for e in reversed(raw_events)
                         if e.get("estimated_delivery_at")), None)
        out.append(
            Shipment(
                tracking_number=tracking_of(f) or f"{ORDER_PREFIX}{number}-{f.get('id')}",
                carrier=f.get("tracking_company") or "shopify",
                status=status_of(f.get("shipment_status")),
                eta=TimeWindow(estimate, estimate) if estimate else None,
                items=_items(f.get("line_items") or []),
                events=_events(raw_events),
                tracking_url=f.get("tracking_url") or next(iter(f.get("tracking_urls") or []), None),
                instructions={"shopify_order_id": order.get("id"), "shopify_fulfillment_id": f.get("id")},
                **common,
            )
        )
    if not out:  # nothing sent yet (or cancelled before it was): one placeholder for the whole order
        out.append(
            Shipment(
                tracking_number=f"{ORDER_PREFIX}{number}",
                carrier="shopify",
                status=ShipmentStatus.RETURNED_TO_SENDER if cancelled else ShipmentStatus.LABEL_CREATED,
                items=_items(order.get("line_items") or []),
                instructions={"shopify_order_id": order.get("id"), **({"cancelled": True} if cancelled else {})},
                tracking_url=order.get("order_status_url"),
                **common,
            )
        )
    return out


def proof_from_events(fulfillment: dict[str, Any], raw_events: list[dict[str, Any]]) -> ProofOfDelivery | None:
    delivered = [e for e in raw_events if (e.get("status") or "").lower() in {"delivered", "picked_up"}]
    if delivered:
        e = delivered[-1]
        place = e.get("message") or ", ".join(p for p in (e.get("address1"), e.get("city")) if p) or None
        return ProofOfDelivery(
            delivered_at=_dt(e.get("happened_at")),
            place=place,
            latitude=e.get("latitude"),
            longitude=e.get("longitude"),
        )
    if status_of(fulfillment.get("shipment_status")) is ShipmentStatus.DELIVERED:
        return ProofOfDelivery(delivered_at=_dt(fulfillment.get("updated_at")), place=None)
    return None


def return_from_refunds(refunds: list[dict[str, Any]]) -> ReturnInfo | None:
    """The latest refund as the shopper's return status (Shopify's REST API has refunds, not return labels)."""
    if not refunds:
        return None
    latest = max(refunds, key=lambda r: r.get("created_at") or "")
    paid = [t for t in latest.get("transactions") or [] if t.get("kind") == "refund" and t.get("status") == "success"]
    amount = sum((_money(t.get("amount")) or Decimal(0) for t in paid), Decimal(0))
    return ReturnInfo(
        reference=f"REFUND-{latest.get('id')}",
        status="refunded" if paid else "received",
        refund_amount=amount if paid else None,
        refunded_at=_dt(latest.get("processed_at") or latest.get("created_at")) if paid else None,
    )
