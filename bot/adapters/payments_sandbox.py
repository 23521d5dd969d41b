"""The sandbox payment provider (the embedded default): nothing leaves the machine, no money moves.

Its checkout is our own page (/pay/<token>, bot/web/payments.py) with a Pay and a Cancel button. Pressing Pay
makes the event a real provider would send, signed like one (HMAC-SHA256 of the body with the installation's
secret key), and hands it to the same webhook path (PaymentService.handle_webhook): the sandbox proves the
confirmation path, not a shortcut beside it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal

from bot.core.payments import BadWebhook, Checkout, CheckoutRequest, PaymentEvent, Refund

SIGNATURE_HEADER = "X-Parcelbot-Sandbox-Signature"


class SandboxPayments:
    name = "sandbox"
    identity = "sandbox"

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(f"parcelbot.sandbox-payments:{secret_key}".encode()).digest()

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        return Checkout(ref=request.reference, url="")

    def refund(self, charge_ref: str, amount: Decimal, currency: str, *, idempotency_key: str) -> Refund:
        return Refund(ref=f"sbx_re_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex[:16]}", amount=amount)

    def event(self, kind: str, ref: str, payment_id: int) -> tuple[bytes, dict[str, str]]:
        """What the Pay button sends: the body and its signature header, as a provider's webhook."""
        body = json.dumps({"id": f"sbx_evt_{uuid.uuid4().hex}", "type": kind, "ref": ref,
                           "payment_id": payment_id}).encode()
        return body, {SIGNATURE_HEADER: self._sign(body)}

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        given = headers.get(SIGNATURE_HEADER) or ""
        if not hmac.compare_digest(given, self._sign(body)):
            raise BadWebhook("bad or missing signature")
        try:
            data = json.loads(body)
            kind = data["type"]
            ref, payment_id = str(data["ref"]), int(data["payment_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadWebhook("not a sandbox payment event") from exc
        return PaymentEvent(kind=kind if kind in ("paid", "expired") else "ignored", ref=ref,
                            event_id=str(data.get("id") or ""), payment_id=payment_id, charge_ref=ref, raw_type=kind)

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()
