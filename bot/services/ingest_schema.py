"""Checking what an integration sends: every bad field is named, with what's wrong, in one answer.

Parsers return plain values ready for the database and collect problems in an Errors map keyed by the
field's path ("recipient.phone", "items[2].quantity"); the API answers 422 {"errors": {...}} if any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.rules_pickup import is_uk_postcode, normalise_postcode
from backend.types import ShipmentStatus
from bot.core.calendar_bounds import FIRST_YEAR, LAST_YEAR
from bot.core.phone import InvalidPhoneNumber, to_e164

STATUSES = tuple(s.value for s in ShipmentStatus)
TRACKING = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
FUTURE_TOLERANCE = timedelta(hours=1)
MAX_ITEMS = 200

SHIPMENT_FIELDS = {"tracking_number", "order_number", "carrier", "recipient", "address", "status", "status_at",
                   "eta", "signature_required", "value", "items"}
EVENT_FIELDS = {"event_id", "status", "occurred_at", "location", "description", "stop", "stops_total", "eta",
                "position"}


class Errors(dict[str, str]):
    def add(self, path: str, message: str) -> None:
        self.setdefault(path, message)


class Invalid(Exception):
    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(errors)
        self.errors = dict(errors)
        self.status = status


def _unknown(data: dict, allowed: set[str], errors: Errors, prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            errors.add(f"{prefix}{key}", "unknown field")


def text(data: dict, key: str, errors: Errors, path: str, *, max_len: int = 200, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(path, "required")
        return None
    if not isinstance(value, str):
        errors.add(path, "must be a string")
        return None
    value = " ".join(value.split())
    if len(value) > max_len:
        errors.add(path, f"must be at most {max_len} characters")
        return None
    return value


def moment(value: Any, errors: Errors, path: str, *, now: datetime | None = None) -> datetime | None:
    if not isinstance(value, str):
        errors.add(path, "must be an ISO 8601 date-time string, e.g. 2026-11-23T09:00:00+00:00")
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.add(path, "not an ISO 8601 date-time, e.g. 2026-11-23T09:00:00+00:00")
        return None
    if parsed.tzinfo is None:
        errors.add(path, "needs a UTC offset, e.g. 2026-11-23T09:00:00+00:00")
        return None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:  # the calendar's ends overflow in UTC and in date arithmetic
        errors.add(path, f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
        return None
    if now is not None and parsed > now + FUTURE_TOLERANCE:
        errors.add(path, "is in the future")
        return None
    return parsed


def window(value: Any, errors: Errors, path: str) -> tuple[datetime, datetime] | None:
    if not isinstance(value, dict):
        errors.add(path, 'must be an object {"start": ..., "end": ...} or null')
        return None
    _unknown(value, {"start", "end"}, errors, f"{path}.")
    start = moment(value.get("start"), errors, f"{path}.start") if "start" in value else None
    end = moment(value.get("end"), errors, f"{path}.end") if "end" in value else None
    if "start" not in value:
        errors.add(f"{path}.start", "required")
    if "end" not in value:
        errors.add(f"{path}.end", "required")
    if start and end and end <= start:
        errors.add(f"{path}.end", "must be after start")
        return None
    return (start, end) if start and end else None


def integer(value: Any, errors: Errors, path: str, *, minimum: int, maximum: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, "must be a whole number")
        return None
    if not minimum <= value <= maximum:
        errors.add(path, f"must be between {minimum} and {maximum}")
        return None
    return value


def number(value: Any, errors: Errors, path: str, *, minimum: float, maximum: float) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            errors.add(path, "must be a number")
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN
        errors.add(path, "must be a number")
        return None
    if not minimum <= value <= maximum:
        errors.add(path, f"must be between {minimum:g} and {maximum:g}")
        return None
    return float(value)


def status(value: Any, errors: Errors, path: str) -> str | None:
    if value is None:
        errors.add(path, "required")
        return None
    if value not in STATUSES:
        errors.add(path, f"must be one of {', '.join(STATUSES)}")
        return None
    return value


def tracking_number(value: Any, errors: Errors, path: str = "tracking_number") -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(path, "required")
        return None
    value = value.strip().upper()
    if not TRACKING.match(value):
        errors.add(path, "must be 4-40 letters, digits or dashes")
        return None
    return value


# -- shipments --------------------------------------------------------------------------------------------
@dataclass
class ShipmentIn:
    tracking_number: str
    columns: dict[str, Any] = field(default_factory=dict)  # only what was sent; an update changes only that


def _object(data: dict, key: str, errors: Errors) -> dict | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add(key, "must be an object")
        return None
    return value


def _recipient(r: dict, cols: dict[str, Any], errors: Errors, region: str) -> None:
    _unknown(r, {"name", "phone", "email"}, errors, "recipient.")
    if "name" in r:
        cols["recipient_name"] = text(r, "name", errors, "recipient.name", required=True)
    if "phone" in r:
        raw = r["phone"]
        if raw in (None, ""):
            cols["recipient_phone"] = None
        elif not isinstance(raw, str):
            errors.add("recipient.phone", "must be a string")
        else:
            try:
                cols["recipient_phone"] = to_e164(raw, region)
            except InvalidPhoneNumber:
                errors.add("recipient.phone", "not a valid phone number; use E.164, e.g. +447700900123")
    if "email" in r:
        email = text(r, "email", errors, "recipient.email", max_len=254)
        if email is not None and not EMAIL.match(email):
            errors.add("recipient.email", "not a valid e-mail address")
        cols["recipient_email"] = email.lower() if email else None


def _address(a: dict, cols: dict[str, Any], errors: Errors) -> None:
    _unknown(a, {"line1", "line2", "city", "postcode", "country"}, errors, "address.")
    country = "GB"
    if "country" in a:
        country = (text(a, "country", errors, "address.country", max_len=2, required=True) or "GB").upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            errors.add("address.country", "must be a two-letter ISO 3166 country code, e.g. GB")
        cols["country"] = country
    for key, limit, required in (("line1", 200, True), ("line2", 200, False), ("city", 100, True)):
        if key in a:
            value = text(a, key, errors, f"address.{key}", max_len=limit, required=required)
            cols["address_line1" if key == "line1" else "address_line2" if key == "line2" else "city"] = value
    if "postcode" in a:
        postcode = text(a, "postcode", errors, "address.postcode", max_len=16, required=True)
        if postcode and country == "GB":
            postcode = normalise_postcode(postcode)
            if not is_uk_postcode(postcode):
                errors.add("address.postcode", "not a UK postcode")
        cols["postcode"] = postcode


def _value(v: Any, cols: dict[str, Any], errors: Errors) -> None:
    if v is None:
        cols["value_amount"] = None
        return
    if not isinstance(v, dict):
        errors.add("value", 'must be an object {"amount": "49.99", "currency": "GBP"} or null')
        return
    _unknown(v, {"amount", "currency"}, errors, "value.")
    raw = v.get("amount")
    try:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise InvalidOperation
        amount = Decimal(str(raw))
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10") or amount.as_tuple().exponent < -2:
            raise InvalidOperation
        cols["value_amount"] = amount
    except InvalidOperation:
        errors.add("value.amount", 'must be a non-negative amount with at most 2 decimals, e.g. "49.99"')
    currency = v.get("currency", "GBP")
    if not isinstance(currency, str) or not CURRENCY.match(currency.upper()):
        errors.add("value.currency", "must be a three-letter ISO 4217 code, e.g. GBP")
    else:
        cols["value_currency"] = currency.upper()


def _items(items: Any, cols: dict[str, Any], errors: Errors) -> None:
    if not isinstance(items, list):
        errors.add("items", "must be a list")
        return
    if len(items) > MAX_ITEMS:
        errors.add("items", f"at most {MAX_ITEMS} items")
        return
    out = []
    for i, item in enumerate(items):
        path = f"items[{i}]"
        if not isinstance(item, dict):
            errors.add(path, "must be an object")
            continue
        _unknown(item, {"sku", "name", "quantity"}, errors, f"{path}.")
        name = text(item, "name", errors, f"{path}.name", required=True)
        sku = text(item, "sku", errors, f"{path}.sku", max_len=64)
        quantity = integer(item.get("quantity", 1), errors, f"{path}.quantity", minimum=1, maximum=9999)
        out.append({"sku": sku, "name": name, "quantity": quantity})
    cols["items"] = out


def parse_shipment(data: Any, now: datetime) -> ShipmentIn:
    errors = Errors()
    if not isinstance(data, dict):
        raise Invalid({"body": "send a JSON object"})
    _unknown(data, SHIPMENT_FIELDS, errors)
    tracking = tracking_number(data.get("tracking_number"), errors)
    cols: dict[str, Any] = {}
    if "order_number" in data:
        order = text(data, "order_number", errors, "order_number", max_len=40)
        cols["order_number"] = order.lstrip("#") if order else None
    if "carrier" in data:
        cols["carrier"] = text(data, "carrier", errors, "carrier", max_len=40) or "reference"
    address = _object(data, "address", errors)
    region = str((address or {}).get("country") or "GB").upper()
    recipient = _object(data, "recipient", errors)
    if recipient is not None:
        _recipient(recipient, cols, errors, region if len(region) == 2 else "GB")
    if address is not None:
        _address(address, cols, errors)
    if "status" in data:
        cols["status"] = status(data["status"], errors, "status")
    if data.get("status_at") is not None:
        cols["status_at"] = moment(data["status_at"], errors, "status_at", now=now)
    if "eta" in data:
        w = window(data["eta"], errors, "eta") if data["eta"] is not None else None
        cols["eta_start"], cols["eta_end"] = w or (None, None)
    if "signature_required" in data:
        if not isinstance(data["signature_required"], bool):
            errors.add("signature_required", "must be true or false")
        cols["signature_required"] = data["signature_required"] is True
    if "value" in data:
        _value(data["value"], cols, errors)
    if "items" in data:
        _items(data["items"], cols, errors)
    if errors:
        raise Invalid(errors)
    return ShipmentIn(tracking, cols)  # type: ignore[arg-type]


NEW_SHIPMENT_NEEDS = {
    "recipient_name": "recipient.name",
    "address_line1": "address.line1",
    "city": "address.city",
    "postcode": "address.postcode",
}


def check_new_shipment(shipment: ShipmentIn) -> None:
    """A new shipment needs a recipient and an address; an update may send only what changed."""
    errors = {path: "required" for col, path in NEW_SHIPMENT_NEEDS.items() if not shipment.columns.get(col)}
    if errors:
        raise Invalid(errors)


# -- tracking events --------------------------------------------------------------------------------------
@dataclass
class EventIn:
    event_id: str
    status: str
    occurred_at: datetime
    location: str | None
    description: str | None
    progress: dict[str, Any]  # driver progress sent with it: stop, stops_total, eta, position


def parse_event(data: Any, now: datetime) -> EventIn:
    errors = Errors()
    if not isinstance(data, dict):
        raise Invalid({"body": "send a JSON object"})
    _unknown(data, EVENT_FIELDS, errors)
    event_id = text(data, "event_id", errors, "event_id", max_len=100, required=True)
    st = status(data.get("status"), errors, "status")
    occurred = None
    if data.get("occurred_at") is None:
        errors.add("occurred_at", "required")
    else:
        occurred = moment(data["occurred_at"], errors, "occurred_at", now=now)
    location = text(data, "location", errors, "location")
    description = text(data, "description", errors, "description", max_len=2000)
    progress: dict[str, Any] = {}
    if data.get("stops_total") is not None:
        progress["stops_total"] = integer(data["stops_total"], errors, "stops_total", minimum=1, maximum=10000)
    if data.get("stop") is not None:
        progress["stop"] = integer(data["stop"], errors, "stop", minimum=0, maximum=10000)
        total = progress.get("stops_total")
        if progress["stop"] is not None and total is not None and progress["stop"] > total:
            errors.add("stop", "can't be more than stops_total")
    if data.get("eta") is not None:
        w = window(data["eta"], errors, "eta")
        if w:
            progress["eta"] = {"start": w[0].isoformat(), "end": w[1].isoformat()}
    if data.get("position") is not None:
        pos = data["position"]
        if not isinstance(pos, dict):
            errors.add("position", 'must be an object {"lat": ..., "lng": ...}')
        else:
            _unknown(pos, {"lat", "lng"}, errors, "position.")
            lat = number(pos.get("lat"), errors, "position.lat", minimum=-90, maximum=90)
            lng = number(pos.get("lng"), errors, "position.lng", minimum=-180, maximum=180)
            progress["position"] = {"lat": lat, "lng": lng}
    if errors:
        raise Invalid(errors)
    return EventIn(event_id, st, occurred, location, description, progress)  # type: ignore[arg-type]


# -- proof of delivery ------------------------------------------------------------------------------------
@dataclass
class PodIn:
    fields: dict[str, Any]  # delivered_at, place, latitude, longitude, signature_name: only those sent


def parse_pod_form(form: Any, now: datetime) -> PodIn:
    errors = Errors()
    data = {k: form.get(k) for k in ("delivered_at", "latitude", "longitude", "place", "signature_name")
            if form.get(k) not in (None, "")}
    out: dict[str, Any] = {}
    if "delivered_at" in data:
        out["delivered_at"] = moment(data["delivered_at"], errors, "delivered_at", now=now)
    if "latitude" in data:
        out["latitude"] = number(data["latitude"], errors, "latitude", minimum=-90, maximum=90)
    if "longitude" in data:
        out["longitude"] = number(data["longitude"], errors, "longitude", minimum=-180, maximum=180)
    if ("latitude" in data) != ("longitude" in data):
        errors.add("longitude" if "latitude" in data else "latitude", "send latitude and longitude together")
    for key in ("place", "signature_name"):
        if key in data:
            out[key] = text(data, key, errors, key)
    if errors:
        raise Invalid(errors)
    return PodIn(out)
