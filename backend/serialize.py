"""Domain objects <-> the JSON of our carrier contract (backend/openapi/carrier-contract.yaml).

One mapping shared by the HTTP adapter (reading a carrier) and the inbound API (answering as one), so
the two can never drift apart. Money is a string amount plus currency; times are ISO 8601 with offset.
Malformed input raises ValueError naming the field, which an API turns into a 422.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.reasons import Reason
from backend.sealing import SECRET_FIELD
from backend.types import (
    ActionKind,
    ActionOption,
    ActionResult,
    Address,
    ChangeContext,
    DeliveryAction,
    PickupPoint,
    ProofOfDelivery,
    ResultStatus,
    ReturnInfo,
    ReturnRequest,
    Shipment,
    ShipmentStatus,
    TimeWindow,
    TrackingEvent,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{name}: not an ISO 8601 date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"{name}: needs a UTC offset, e.g. 2026-11-23T09:00:00+00:00")
    return parsed


def _money(value: Any, name: str) -> tuple[Decimal | None, str | None]:
    if not value:
        return None, None
    try:
        return Decimal(str(value["amount"])), str(value.get("currency") or "GBP").upper()
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise ValueError(f"{name}: expected {{'amount': '49.99', 'currency': 'GBP'}}, got {value!r}") from exc


def _required(data: dict, key: str, path: str = "") -> Any:
    if data.get(key) in (None, ""):
        raise ValueError(f"{path}{key}: required")
    return data[key]


def _text(value: Any, name: str, *, numbers: bool = False) -> str | None:
    """A text field as text, or None: a list or an object where a name or a number belongs is an answer we can't
    read (ValueError), never its Python spelling read back to a shopper ("Your ['X'] is on the way": review 8).
    `numbers`: an identifier a carrier may send as a JSON number (a numeric tracking or order number)."""
    if value is None or isinstance(value, str):
        return value
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{name}: expected text, got {type(value).__name__}")


def _object(value: Any, name: str) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{name}: expected an object, got {type(value).__name__}")
    return value


def window_to_json(window: TimeWindow | None) -> dict | None:
    return {"start": window.start.isoformat(), "end": window.end.isoformat()} if window else None


def window_from_json(data: Any, name: str = "window") -> TimeWindow | None:
    if not data:
        return None
    start, end = _dt(data.get("start"), f"{name}.start"), _dt(data.get("end"), f"{name}.end")
    if start is None or end is None:
        raise ValueError(f"{name}: needs start and end")
    return TimeWindow(start, end)


# -- shipments --------------------------------------------------------------------------------------------
def shipment_to_json(shipment: Shipment) -> dict[str, Any]:
    a = shipment.address
    return {
        "tracking_number": shipment.tracking_number,
        "order_number": shipment.order_number,
        "carrier": shipment.carrier,
        "recipient": {
            "name": shipment.recipient_name,
            "phone": shipment.recipient_phone,
            "email": shipment.recipient_email,
        },
        "address": {"line1": a.line1, "line2": a.line2, "city": a.city, "postcode": a.postcode, "country": a.country},
        "status": shipment.status.value,
        "eta": window_to_json(shipment.eta),
        "signature_required": shipment.signature_required,
        "value": {"amount": str(shipment.value), "currency": shipment.currency} if shipment.value is not None else None,
        "items": [dict(i) for i in shipment.items],
        "instructions": dict(shipment.instructions),
        "events": [
            {
                "event_id": e.event_id,
                "status": e.status.value,
                "occurred_at": e.occurred_at.isoformat(),
                "location": e.location,
                "description": e.description,
            }
            for e in shipment.events
        ],
        "locked_reason": shipment.locked_reason,
        "tracking_url": shipment.tracking_url,
    }


def _status(value: Any, name: str) -> ShipmentStatus:
    try:
        return ShipmentStatus(value)
    except ValueError as exc:
        known = ", ".join(s.value for s in ShipmentStatus)
        raise ValueError(f"{name}: {value!r} is not one of {known}") from exc


def shipment_from_json(data: dict[str, Any], merchant_slug: str) -> Shipment:
    if not isinstance(data, dict):
        raise ValueError("shipment: expected an object")
    recipient = _object(data.get("recipient"), "recipient")
    address = _object(data.get("address"), "address")
    value, currency = _money(data.get("value"), "value")
    events = tuple(
        TrackingEvent(
            event_id=str(_text(_required(e, "event_id", f"events[{i}]."), f"events[{i}].event_id", numbers=True)),
            status=_status(e.get("status"), f"events[{i}].status"),
            occurred_at=_dt(_required(e, "occurred_at", f"events[{i}]."), f"events[{i}].occurred_at"),
            location=_text(e.get("location"), f"events[{i}].location"),
            description=_text(e.get("description"), f"events[{i}].description"),
        )
        for i, e in enumerate(data.get("events") or [])
    )
    order_number = _text(data.get("order_number"), "order_number", numbers=True)
    return Shipment(
        tracking_number=str(_text(_required(data, "tracking_number"), "tracking_number", numbers=True)).upper(),
        order_number=order_number.lstrip("#") if order_number else None,
        carrier=_text(data.get("carrier"), "carrier") or "unknown",
        merchant_slug=merchant_slug,
        recipient_name=_text(recipient.get("name"), "recipient.name") or "",
        recipient_phone=_text(recipient.get("phone"), "recipient.phone") or None,
        recipient_email=(_text(recipient.get("email"), "recipient.email") or "").lower() or None,
        address=Address(
            line1=_text(address.get("line1"), "address.line1") or "",
            city=_text(address.get("city"), "address.city") or "",
            postcode=_text(address.get("postcode"), "address.postcode") or "",
            country=(_text(address.get("country"), "address.country") or "GB").upper(),
            line2=_text(address.get("line2"), "address.line2") or None,
        ),
        status=_status(_required(data, "status"), "status"),
        eta=window_from_json(data.get("eta"), "eta"),
        signature_required=bool(data.get("signature_required", False)),
        value=value,
        currency=currency or "GBP",
        items=tuple(dict(i) for i in data.get("items") or ()),
        instructions=dict(data.get("instructions") or {}),
        live=dict(data.get("live") or {}),
        events=events,
        locked_reason=_text(data.get("locked_reason"), "locked_reason") or None,
        tracking_url=_text(data.get("tracking_url"), "tracking_url") or None,
    )


# -- actions ----------------------------------------------------------------------------------------------
def reason_to_json(code: Reason | None) -> dict[str, Any]:
    """`reason_code` + `reason_params` (+ `reason_also`, a second sentence) as the contract spells them."""
    if code is None:
        return {"reason_code": None, "reason_params": None, "reason_also": None}
    return {"reason_code": code.code, "reason_params": dict(code.params),
            "reason_also": code.also.to_json() if code.also else None}


def reason_from_json(data: dict[str, Any]) -> Reason | None:
    """Both optional: a carrier may send only its own words in `reason`, which are kept as they are."""
    code = data.get("reason_code")
    if code in (None, ""):
        return None
    if not isinstance(code, str):
        raise ValueError(f"reason_code: expected a string, got {code!r}")
    params = data.get("reason_params") or {}
    if not isinstance(params, dict):
        raise ValueError(f"reason_params: expected an object, got {params!r}")
    return Reason(code, params, Reason.from_json(data.get("reason_also"), "reason_also"))


def option_to_json(option: ActionOption) -> dict[str, Any]:
    return {
        "kind": option.kind.value,
        "available": option.available,
        "reason": option.reason,
        **reason_to_json(option.reason_code),
        "windows": [window_to_json(w) for w in option.windows],
        "pickup_points": [
            {"id": p.id, "name": p.name, "address": p.address, "opening_hours": p.opening_hours,
             "distance_km": p.distance_km}
            for p in option.pickup_points
        ],
        "cutoff": _iso(option.cutoff),
        "fee": {"amount": str(option.fee), "currency": option.currency} if option.fee is not None else None,
        "max_hold_days": option.max_hold_days,
        "address_area": option.address_area,
    }


def option_from_json(data: dict[str, Any]) -> ActionOption:
    fee, currency = _money(data.get("fee"), "fee")
    return ActionOption(
        kind=ActionKind(data["kind"]),
        available=bool(data.get("available")),
        reason=data.get("reason") or None,
        reason_code=reason_from_json(data),
        windows=tuple(window_from_json(w, f"windows[{i}]") for i, w in enumerate(data.get("windows") or [])),
        pickup_points=tuple(
            PickupPoint(p["id"], p["name"], p.get("address", ""), p.get("opening_hours", ""), p.get("distance_km"))
            for p in data.get("pickup_points") or []
        ),
        cutoff=_dt(data.get("cutoff"), "cutoff"),
        fee=fee,
        currency=currency or "GBP",
        max_hold_days=data.get("max_hold_days"),
        address_area=str(data["address_area"]) if data.get("address_area") else None,
    )


def json_safe(value: Any) -> Any:
    """Action params as plain JSON (flows may hand over TimeWindow, Address, datetime, Decimal)."""
    if isinstance(value, TimeWindow):
        return window_to_json(value)
    if isinstance(value, Address):
        return {"line1": value.line1, "line2": value.line2, "city": value.city, "postcode": value.postcode,
                "country": value.country}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def action_to_json(action: DeliveryAction, context: ChangeContext | None = None) -> dict[str, Any]:
    out = {"kind": action.kind.value, "params": json_safe(dict(action.params)), "fee_accepted": action.fee_accepted}
    if context is not None:
        out["context"] = context_to_json(context)
    return out


def carrier_action_json(action: DeliveryAction, context: ChangeContext, access_code: str | None) -> dict[str, Any]:
    """The applyAction body a carrier receives: params without our sealed token (a carrier can't open it and
    needn't hold it), and the access code the shopper gave, opened for this one call, in `access_code`
    ("gate: 4821; door: 5678"). Stored copies (pending writes) keep `action_to_json`'s sealed form."""
    params = {k: v for k, v in action.params.items() if k != SECRET_FIELD}
    out = {"kind": action.kind.value, "params": json_safe(params), "fee_accepted": action.fee_accepted,
           "context": context_to_json(context)}
    if access_code:
        out["access_code"] = access_code
    return out


def access_code_from_json(data: dict[str, Any]) -> str | None:
    """The access code of an applyAction body (a carrier's side of the contract), if any; never logged."""
    code = data.get("access_code")
    if code in (None, ""):
        return None
    if not isinstance(code, str):
        raise ValueError("access_code: expected a string like \"gate: 4821\"")
    return code


def action_from_json(data: dict[str, Any]) -> DeliveryAction:
    return DeliveryAction(ActionKind(data["kind"]), dict(data.get("params") or {}), bool(data.get("fee_accepted")))


def context_to_json(context: ChangeContext) -> dict[str, str]:
    return {"actor": context.actor, "channel": context.channel, "verified_by": context.verified_by}


def context_from_json(data: dict[str, Any]) -> ChangeContext:
    return ChangeContext(str(data.get("actor", "")), str(data.get("channel", "")), str(data.get("verified_by", "")))


def result_to_json(result: ActionResult) -> dict[str, Any]:
    return {"status": result.status.value, "reference": result.reference, "reason": result.reason,
            **reason_to_json(result.reason_code)}


def result_from_json(data: dict[str, Any]) -> ActionResult:
    return ActionResult(ResultStatus(data["status"]), data.get("reference") or None, data.get("reason") or None,
                        reason_from_json(data))


# -- proof of delivery and returns ------------------------------------------------------------------------
def pod_to_json(pod: ProofOfDelivery) -> dict[str, Any]:
    return {
        "delivered_at": _iso(pod.delivered_at),
        "place": pod.place,
        "photos": list(pod.photo_keys),
        "latitude": pod.latitude,
        "longitude": pod.longitude,
        "signature_name": pod.signature_name,
    }


def pod_from_json(data: dict[str, Any]) -> ProofOfDelivery:
    return ProofOfDelivery(
        delivered_at=_dt(data.get("delivered_at"), "delivered_at"),
        place=data.get("place"),
        photo_keys=tuple(data.get("photos") or ()),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        signature_name=data.get("signature_name"),
    )


def return_request_to_json(request: ReturnRequest) -> dict[str, Any]:
    return {"items": list(request.items), "reason": request.reason, "method": request.method}


def return_request_from_json(data: dict[str, Any]) -> ReturnRequest:
    items = tuple(str(i) for i in data.get("items") or ())
    return ReturnRequest(items, str(data.get("reason") or ""), data.get("method") or "drop_off")


def return_info_to_json(info: ReturnInfo, currency: str = "GBP") -> dict[str, Any]:
    refund = {"amount": str(info.refund_amount), "currency": currency} if info.refund_amount is not None else None
    return {
        "reference": info.reference,
        "status": info.status,
        "label_url": info.label_url,
        "qr_code_url": info.qr_code_url,
        "drop_off_options": list(info.drop_off_options),
        "refund": refund,
        "refunded_at": _iso(info.refunded_at),
    }


def return_info_from_json(data: dict[str, Any]) -> ReturnInfo:
    amount, _ = _money(data.get("refund"), "refund")
    return ReturnInfo(
        reference=str(_required(data, "reference")),
        status=str(data.get("status") or "created"),
        label_url=data.get("label_url"),
        qr_code_url=data.get("qr_code_url"),
        drop_off_options=tuple(data.get("drop_off_options") or ()),
        refund_amount=amount,
        refunded_at=_dt(data.get("refunded_at"), "refunded_at"),
    )
