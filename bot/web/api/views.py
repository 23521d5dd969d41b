"""The JSON the integration API answers with: the shipment in the carrier-contract shape, plus what the
bot knows around it (events, live progress, current instructions, changes made, proof of delivery).

Secrets shoppers give the driver (a key-safe or gate code) are redacted: the merchant's systems don't
need them, and whoever holds an API key shouldn't be able to read them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import models as m
from backend.reasons import from_stored
from backend.reference import public_instructions, to_domain
from backend.serialize import shipment_to_json
from bot.core.links import LinkSigner
from bot.core.wording import Voice

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"(?:^|_)(?:code|pin|password|passcode|secret)(?:$|_)", re.IGNORECASE)
_NOT_SECRET = {"zip_code", "postcode", "country_code", "currency_code"}
# "key safe code 1234", "gate code: 80#21", "PIN is 4321" -> keep the words, hide the code (it has a digit).
_SECRET_IN_TEXT = re.compile(
    r"\b(code|pin|passcode|password|combination|combo)\b(\s*(?:is|=|:|-|no\.?)?\s*)([A-Za-z#*-]*\d[A-Za-z0-9#*-]*)",
    re.IGNORECASE,
)


def redact(value: Any, key: str = "") -> Any:
    if key and key.lower() not in _NOT_SECRET and _SECRET_KEY.search(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _SECRET_IN_TEXT.sub(lambda mt: f"{mt.group(1)}{mt.group(2)}{REDACTED}", value)
    return value


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def shipment_json(session: Session, row: m.Shipment, links: LinkSigner, *, merchant_slug: str,
                  say: Voice) -> dict[str, Any]:
    domain = dataclasses.replace(
        to_domain(row, merchant_slug=merchant_slug),
        tracking_url=links.tracking_url(merchant_slug, row.tracking_number, row.carrier),
    )
    out = shipment_to_json(domain)
    out["instructions"] = redact(public_instructions(row.instructions))
    out["status_at"] = iso(row.status_at)
    out["live"] = dict(row.live or {})
    out["events"] = [event_json(e) for e in row.events]
    out["changes"] = [change_json(c, say) for c in _changes(session, row)]
    out["proof_of_delivery"] = pod_json(session, row, links, merchant_slug=merchant_slug)
    out["created_at"], out["updated_at"] = iso(row.created_at), iso(row.updated_at)
    return out


def event_json(e: m.TrackingEvent) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "status": e.status,
        "occurred_at": iso(e.occurred_at),
        "location": e.location,
        "description": e.description,
        "progress": dict(e.data or {}),
        "received_at": iso(e.received_at),
    }


def _changes(session: Session, row: m.Shipment) -> list[m.DeliveryChange]:
    return list(
        session.scalars(
            select(m.DeliveryChange)
            .where(
                m.DeliveryChange.merchant_id == row.merchant_id,
                m.DeliveryChange.tracking_number == row.tracking_number,
            )
            .order_by(m.DeliveryChange.created_at, m.DeliveryChange.id)
        )
    )


def change_json(c: m.DeliveryChange, say: Voice) -> dict[str, Any]:
    """A change as the integration sees it: the reason in the merchant's words, and its code for machines."""
    code, free_text = from_stored(c.reason)
    return {
        "action": c.action,
        "params": redact(c.params or {}),
        "status": c.status,
        "reason": say.reason(code, free_text) if (code or free_text) else None,
        "reason_code": code.to_json() if code else None,
        "channel": c.channel,
        "verified_by": c.verified_by,
        "reference": c.reference,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }


def pod_json(session: Session, row: m.Shipment, links: LinkSigner, *, merchant_slug: str) -> dict[str, Any] | None:
    pod = session.scalar(select(m.ProofOfDeliveryRecord).where(m.ProofOfDeliveryRecord.shipment_id == row.id))
    if pod is None:
        return None
    return {
        "delivered_at": iso(pod.delivered_at),
        "place": pod.place,
        "latitude": pod.latitude,
        "longitude": pod.longitude,
        "signature_name": pod.signature_name,
        "photos": [{"key": k, "url": links.photo_url(merchant_slug, row.tracking_number, k, row.carrier)}
                   for k in pod.photos or []],
    }


def outbox_json(msg: m.Message, *, hide_codes: bool = False) -> dict[str, Any]:
    """With real sending on, a one-time code's text is for the shopper's phone only, not for API readers."""
    hidden = hide_codes and (msg.dedupe_key or "").startswith("otp:")
    return {
        "id": msg.id,
        "to": msg.recipient,
        "channel": msg.channel,
        "body": "(one-time code: text hidden)" if hidden else msg.body,
        "media_urls": list(msg.media_urls or []),
        "status": msg.status,
        "created_at": iso(msg.created_at),
        "send_after": iso(msg.send_after),
        "sent_at": iso(msg.sent_at),
    }
