"""ShopifyBackend: a shop's orders and fulfilments through Shopify's Admin REST API.

Shopify knows orders, fulfilments (with the carrier's tracking number and shipment_status) and refunds;
it can cancel an unfulfilled order. It cannot change a delivery once the carrier has it: those changes are
declared unsupported and the shopper is pointed to the carrier's tracking page instead. Rate limits (429 with
Retry-After) and outages are handled by backend/resilience.py like every other far side.

With `delivery_instructions` on, a safe place, a neighbour or a note for an order not yet fulfilled is written
where a 3PL reads delivery instructions, the order's note attributes (see docs/backend.md for why there):
"Delivery instructions" (all of them, one line), one attribute per kind, and "Access code" (a code the
shopper gave, opened with the CodeBox the registry gives this adapter, for this request only).
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import requests

from backend import deadline_io
from backend.pending import PendingSink, apply_write, cancel_write
from backend.protocol import BackendError, BackendUnavailable
from backend.reasons import Reason, because
from backend.resilience import CircuitBreaker, ResilientClient, RetryPolicy
from backend.sealing import SECRET_FIELD, CodeBox
from backend.shopify_map import (
    ORDER_PREFIX,
    order_number_of,
    proof_from_events,
    return_from_refunds,
    shipments_from_order,
    tracking_of,
)
from backend.types import (
    ActionKind,
    ActionOption,
    ActionResult,
    ChangeContext,
    DeliveryAction,
    ProofOfDelivery,
    ResultStatus,
    ReturnInfo,
    ReturnRequest,
    Shipment,
)

log = logging.getLogger(__name__)

API_VERSION = "2024-10"
# The only hosts the access token is sent to: a shop's own Admin API. Any other host named in a merchant's
# settings would receive the token (or, before backend/merchant_env.py, any secret of the server).
SHOP_HOST = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com")
RECENT_ORDERS = 250  # how far back a bare tracking number is looked for (Shopify can't search by it)
_ORDER_OF: OrderedDict[tuple[str, str], int] = OrderedDict()  # (shop, tracking number) -> order id


class ReturnsNotSupported(BackendError):
    """Shopify's REST API can't create a return; the message tells the shopper where to start one."""


class ShopifyBackend:
    name = "shopify"
    is_remote = True  # reached over the network: never called with a database transaction open

    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        *,
        merchant_slug: str = "",
        api_version: str = API_VERSION,
        allow_cancel: bool = True,
        delivery_instructions: bool = False,
        code_box: CodeBox | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        pending_sink: PendingSink | None = None,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.shop = shop_domain.removeprefix("https://").strip("/").lower()
        if not SHOP_HOST.fullmatch(self.shop):
            raise BackendError(f"shop must be a <name>.myshopify.com host, not {self.shop[:80]!r}")
        self.merchant_slug = merchant_slug
        self.supported_actions = frozenset(
            ({ActionKind.CANCEL_ORDER} if allow_cancel else set()) | (INSTRUCTIONS if delivery_instructions else set())
        )
        self.code_box = code_box  # opens the access codes the bot sealed; holds no other key
        self.pending_sink = pending_sink
        token = access_token
        self.client = ResilientClient(
            base_url=f"https://{self.shop}/admin/api/{api_version}",
            breaker=breaker or CircuitBreaker(f"shopify:{self.shop}"),
            retry=retry or RetryPolicy(attempts=4, max_retry_after=10.0),
            timeout=timeout,
            http=http or deadline_io.session(),  # its tries cut at their whole deadline
            sleep=sleep,
            authorize=lambda prepared: prepared.headers.__setitem__("X-Shopify-Access-Token", token),
        )
        self.lane = self.client.breaker.name  # its writes' own threads (bot/core/lanes.py): who fails together

    # -- plumbing -------------------------------------------------------------------------------------------
    def _get(self, path: str, **params: Any) -> dict[str, Any] | None:
        response = self.client.request("GET", path, params=params or None)
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            raise BackendError(f"Shopify refused our access token for {self.shop} ({response.status_code})")
        if response.status_code != 200:
            raise BackendError(f"Shopify answered HTTP {response.status_code} to GET {path}")
        try:
            return response.json()
        except ValueError as exc:
            raise BackendError("Shopify answered with something that isn't JSON") from exc

    def _order(self, order_id: int | str) -> dict[str, Any] | None:
        data = self._get(f"/orders/{order_id}.json")
        return data.get("order") if data else None

    def _order_by_number(self, number: str) -> dict[str, Any] | None:
        number = number.lstrip("#")
        data = self._get("/orders.json", name=f"#{number}", status="any") or {}
        # The name filter is loose; only an exact match counts.
        return next((o for o in data.get("orders", []) if order_number_of(o) == number), None)

    def _remember(self, orders: list[dict[str, Any]]) -> None:
        for order in orders:
            for f in order.get("fulfillments") or []:
                if tracking_of(f):
                    _ORDER_OF[(self.shop, tracking_of(f))] = order["id"]
                    _ORDER_OF.move_to_end((self.shop, tracking_of(f)))
        while len(_ORDER_OF) > 5000:
            _ORDER_OF.popitem(last=False)

    def _order_for_tracking(self, tracking_number: str) -> dict[str, Any] | None:
        tracking = tracking_number.strip().upper()
        if tracking.startswith(ORDER_PREFIX):
            return self._order_by_number(tracking.removeprefix(ORDER_PREFIX).split("-")[0])
        known = _ORDER_OF.get((self.shop, tracking))
        if known is not None:
            return self._order(known)
        data = self._get("/orders.json", status="any", limit=RECENT_ORDERS) or {}
        orders = data.get("orders", [])
        self._remember(orders)
        return next(
            (o for o in orders if any(tracking_of(f) == tracking for f in o.get("fulfillments") or [])), None
        )

    def _shipments(self, orders: list[dict[str, Any]]) -> list[Shipment]:
        self._remember(orders)
        return [s for o in orders for s in shipments_from_order(o, self.merchant_slug)]

    # -- reading --------------------------------------------------------------------------------------------
    def find_shipments(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        order_number: str | None = None,
        tracking_number: str | None = None,
    ) -> list[Shipment]:
        found: dict[str, Shipment] = {}
        if tracking_number:
            shipment = self.get_shipment(tracking_number)
            if shipment:
                found[shipment.tracking_number] = shipment
        if order_number:
            order = self._order_by_number(order_number)
            found.update({s.tracking_number: s for s in self._shipments([order] if order else [])})
        for field, value in (("email", email), ("phone", phone)):
            if not value:
                continue
            customers = (self._get("/customers/search.json", query=f"{field}:{value}") or {}).get("customers", [])
            for customer in customers[:3]:
                orders = self._get(f"/customers/{customer['id']}/orders.json", status="any") or {}
                found.update({s.tracking_number: s for s in self._shipments(orders.get("orders", []))})
        return list(found.values())

    def get_shipment(self, tracking_number: str) -> Shipment | None:
        order = self._order_for_tracking(tracking_number)
        if order is None:
            return None
        events = {}
        for f in order.get("fulfillments") or []:
            if tracking_of(f) == tracking_number.strip().upper():
                events[str(f["id"])] = self._fulfillment_events(order["id"], f["id"])
        wanted = tracking_number.strip().upper()
        shipments = shipments_from_order(order, self.merchant_slug, events)
        return next((s for s in shipments if s.tracking_number == wanted), None) or (
            shipments[0] if wanted.startswith(ORDER_PREFIX) else None
        )

    def _fulfillment_events(self, order_id: int, fulfillment_id: int) -> list[dict[str, Any]]:
        data = self._get(f"/orders/{order_id}/fulfillments/{fulfillment_id}/events.json") or {}
        return data.get("fulfillment_events", [])

    def proof_of_delivery(self, tracking_number: str) -> ProofOfDelivery | None:
        order = self._order_for_tracking(tracking_number)
        wanted = tracking_number.strip().upper()
        fulfillment = next((f for f in (order or {}).get("fulfillments") or [] if tracking_of(f) == wanted), None)
        if fulfillment is None:
            return None
        return proof_from_events(fulfillment, self._fulfillment_events(order["id"], fulfillment["id"]))

    def return_status(self, tracking_number: str) -> ReturnInfo | None:
        order = self._order_for_tracking(tracking_number)
        if order is None:
            return None
        return return_from_refunds((self._get(f"/orders/{order['id']}/refunds.json") or {}).get("refunds", []))

    # -- changing -------------------------------------------------------------------------------------------
    def available_actions(self, tracking_number: str) -> list[ActionOption]:
        shipment = self.get_shipment(tracking_number)
        if shipment is None:
            return []
        out = []
        for kind in ActionKind:
            if kind is ActionKind.CANCEL_ORDER and kind in self.supported_actions:
                reason = self._cancel_blocker(self._order_for_tracking(tracking_number))
                out.append(ActionOption(kind, reason is None, reason_code=reason))
            elif kind in INSTRUCTIONS and kind in self.supported_actions:
                reason = _instructions_blocker(self._order_for_tracking(tracking_number), shipment, kind)
                out.append(ActionOption(kind, reason is None, reason_code=reason))
            else:
                out.append(ActionOption(kind, False, reason_code=_not_here(kind, shipment.tracking_url)))
        return out

    def apply_action(
        self, tracking_number: str, action: DeliveryAction, *, idempotency_key: str, context: ChangeContext
    ) -> ActionResult:
        if action.kind is ActionKind.CANCEL_ORDER and action.kind in self.supported_actions:
            shipment = self.get_shipment(tracking_number)
            if shipment is None or not shipment.order_number:
                return ActionResult(ResultStatus.REJECTED, reason_code=because("order_not_found"))
            return self.cancel_order(shipment.order_number, idempotency_key=idempotency_key, context=context)
        if action.kind in INSTRUCTIONS and action.kind in self.supported_actions:
            return self._write_instructions(tracking_number, action, idempotency_key, context)
        return ActionResult(ResultStatus.REJECTED, reason_code=_not_here(action.kind, None))

    def _write_instructions(self, tracking_number: str, action: DeliveryAction, idempotency_key: str,
                            context: ChangeContext) -> ActionResult:
        """Set the order's note attributes (the whole list: Shopify replaces it, so the others are kept). The
        same write twice sets the same values, so a retry under the same key is harmless."""
        try:
            order = self._order_for_tracking(tracking_number)
            reason = _instructions_blocker(order, None, action.kind)
            if reason:
                return ActionResult(ResultStatus.REJECTED, reason_code=reason)
            attributes = with_instructions(order.get("note_attributes") or [], action, self._access_code(action))
            response = self.client.request("PUT", f"/orders/{order['id']}.json",
                                           body={"order": {"id": order["id"], "note_attributes": attributes}})
            if response.status_code == 200:
                return ActionResult(ResultStatus.ACCEPTED, reference=f"SHOPIFY-NOTE-{order['id']}")
            if response.status_code in (402, 403, 404, 422):
                log.info("Shopify refused the delivery instructions for %s (HTTP %s)", tracking_number,
                         response.status_code)  # its answer may echo the attributes: never logged
                return ActionResult(ResultStatus.REJECTED, reason_code=because("carrier_refused"))
            raise BackendError(f"Shopify answered HTTP {response.status_code} to update an order's instructions")
        except BackendUnavailable as exc:
            if self.pending_sink is not None:
                self.pending_sink(apply_write(tracking_number, action, context, idempotency_key, str(exc)))
            raise

    def _access_code(self, action: DeliveryAction) -> str | None:
        token = action.params.get(SECRET_FIELD)
        if not token:
            return None
        opened = self.code_box.unseal(str(token)) if self.code_box is not None else None
        if opened is None:
            log.warning("an access code rides with this change but can't be opened (no key, or another key)")
        return opened

    @staticmethod
    def _cancel_blocker(order: dict[str, Any] | None) -> Reason | None:
        if order is None:
            return because("order_not_found")
        if order.get("cancelled_at"):
            return because("already_cancelled")
        if order.get("fulfillment_status") in ("fulfilled", "partial") or order.get("fulfillments"):
            return because("left_warehouse_return_later")  # sent: the same answer the reference carrier gives
        return None

    def cancel_order(self, order_number: str, *, idempotency_key: str, context: ChangeContext) -> ActionResult:
        if ActionKind.CANCEL_ORDER not in self.supported_actions:
            return ActionResult(ResultStatus.REJECTED, reason_code=_not_here(ActionKind.CANCEL_ORDER, None))
        try:
            order = self._order_by_number(order_number)
            reason = self._cancel_blocker(order)
            if reason:
                return ActionResult(ResultStatus.REJECTED, reason_code=reason)
            response = self.client.request(
                "POST", f"/orders/{order['id']}/cancel.json", body={"reason": "customer", "email": True}
            )
            if response.status_code == 200:
                return ActionResult(ResultStatus.ACCEPTED, reference=f"SHOPIFY-CXL-{order['id']}")
            if response.status_code == 422:
                # A retried request may find the order already cancelled by our first try: that is success.
                again = self._order(order["id"]) or {}
                if again.get("cancelled_at"):
                    return ActionResult(ResultStatus.ACCEPTED, reference=f"SHOPIFY-CXL-{order['id']}")
                log.info("Shopify refused to cancel %s: %s", order_number, response.text[:200])
                return ActionResult(ResultStatus.REJECTED, reason_code=because("shop_could_not_cancel"))
            raise BackendError(f"Shopify answered HTTP {response.status_code} to cancel {order_number}")
        except BackendUnavailable as exc:
            if self.pending_sink is not None:
                self.pending_sink(cancel_write(order_number.lstrip("#"), context, idempotency_key, str(exc)))
            raise

    def create_return(
        self, tracking_number: str, request: ReturnRequest, *, idempotency_key: str, context: ChangeContext
    ) -> ReturnInfo:
        order = self._order_for_tracking(tracking_number)
        if order is None:
            raise LookupError(tracking_number)
        where = order.get("order_status_url")
        raise ReturnsNotSupported(
            "Returns for this shop are started from your order page" + (f": {where}" if where else ".")
        )


# -- delivery instructions in the order's note attributes -------------------------------------------------
INSTRUCTIONS = frozenset({ActionKind.LEAVE_IN_SAFE_PLACE, ActionKind.LEAVE_WITH_NEIGHBOUR,
                          ActionKind.ADD_DELIVERY_NOTE})
SUMMARY_ATTRIBUTE = "Delivery instructions"  # the one line a 3PL maps to the carrier's instructions field
CODE_ATTRIBUTE = "Access code"
_ATTRIBUTE = {ActionKind.LEAVE_IN_SAFE_PLACE: ("Safe place", "safe_place"),
              ActionKind.LEAVE_WITH_NEIGHBOUR: ("Leave with neighbour", "neighbour"),
              ActionKind.ADD_DELIVERY_NOTE: ("Driver note", "note")}
_UNATTENDED = ("Safe place", "Leave with neighbour")  # one or the other, as a carrier keeps them


def _instructions_blocker(order: dict[str, Any] | None, shipment: Shipment | None, kind: ActionKind) -> Reason | None:
    """Instructions reach the driver only while the 3PL hasn't shipped the order; after that, the carrier's page."""
    if order is None:
        return because("order_not_found")
    if order.get("cancelled_at"):
        return because("already_cancelled")
    if order.get("fulfillment_status") in ("fulfilled", "partial") or order.get("fulfillments"):
        return _not_here(kind, shipment.tracking_url if shipment else None)
    return None


def with_instructions(attributes: list[dict[str, Any]], action: DeliveryAction,
                      access_code: str | None) -> list[dict[str, str]]:
    """The order's note attributes with this change made: its own attribute set (a safe place replaces a
    neighbour and back), the summary line rebuilt from ours, the access code set (a note without one clears it,
    as the reference carrier does). Attributes of the shop's own (gift messages...) are kept as they are."""
    name, key = _ATTRIBUTE[action.kind]
    values = {str(a.get("name")): str(a.get("value") or "") for a in attributes if a.get("name")}
    if name in _UNATTENDED:
        for other in _UNATTENDED:
            values.pop(other, None)
    values[name] = " ".join(str(action.params.get(key) or "").split())
    if access_code:
        values[CODE_ATTRIBUTE] = access_code
    elif action.kind is ActionKind.ADD_DELIVERY_NOTE:
        values.pop(CODE_ATTRIBUTE, None)
    ours = [f"{label}: {values[label]}" for label, _ in _ATTRIBUTE.values() if values.get(label)]
    values[SUMMARY_ATTRIBUTE] = ". ".join(ours)
    return [{"name": k, "value": v} for k, v in values.items()]


def _not_here(kind: ActionKind, tracking_url: str | None) -> Reason:
    if tracking_url:
        return because("not_here_try_tracking", action=kind.value, url=tracking_url)
    return because("not_here", action=kind.value)
