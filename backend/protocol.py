"""The one contract every backend (reference carrier, HTTP carrier, Shopify...) implements.

Flows only ever talk to this Protocol, so adding a carrier never touches a conversation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from backend.types import (
    ActionKind,
    ActionOption,
    ActionResult,
    ChangeContext,
    DeliveryAction,
    ProofOfDelivery,
    ReturnInfo,
    ReturnRequest,
    Shipment,
)


class BackendError(Exception):
    """The far side failed in a way the shopper should hear about honestly ("the carrier isn't answering")."""


class BackendUnavailable(BackendError):
    """No useful answer. `may_have_arrived`: a try was sent and its answer lost (a read timed out, the connection
    dropped mid-request), so the far side may have acted on it: a write given up after this is "we can't tell",
    never "it hasn't been changed" (asked again under a new key, it would be made twice)."""

    def __init__(self, *args: object, may_have_arrived: bool = False) -> None:
        super().__init__(*args)
        self.may_have_arrived = may_have_arrived


class BackendRefused(BackendError):
    """The far side answered a request with an error status (a 4xx): it made nothing. Unlike an answer we can't
    read (a 2xx whose body is garbled), which may mean it did: that stays a plain BackendError."""


def made_nothing(answer: object) -> bool:
    """A definite no: the far side refused the write (a 4xx) or knows no such parcel or order. The one rule for
    "it made nothing": the turn's reply, the kept write's record, the retry and the paid change all read it so
    (review: four copies of the same test could drift apart). Anything else (an answer, "pending", an outage, an
    answer we couldn't read) may have made it, or says so."""
    return isinstance(answer, BackendRefused | LookupError)


@dataclass(frozen=True)
class EarlierTries:
    """What is known of earlier tries of the write being made (the same Idempotency-Key): `sent`, one was sent and
    answered 5xx or not at all; `may_have_arrived`, one's answer was lost after it was sent. A repeat after such a try
    that meets a conflict can't be read as a refusal (backend/http_adapter.py, docs/backend.md)."""

    sent: bool = False
    may_have_arrived: bool = False

    def __or__(self, other: EarlierTries) -> EarlierTries:
        return EarlierTries(self.sent or other.sent, self.may_have_arrived or other.may_have_arrived)


_REPEATING: ContextVar[EarlierTries | None] = ContextVar("parcelbot_repeating", default=None)


@contextmanager
def repeating(earlier: EarlierTries) -> Iterator[None]:
    """The writes made inside are repeats of earlier tries (the retry job replaying a kept write): told to the
    adapter this way, as the Protocol's methods take the key but not its history."""
    token = _REPEATING.set(earlier)
    try:
        yield
    finally:
        _REPEATING.reset(token)


def repeated() -> EarlierTries:
    """The earlier tries of the write being made now, as `repeating` said (none outside it)."""
    return _REPEATING.get() or EarlierTries()


def pin_parcel(backend: object, tracking_number: str, carrier: str) -> None:
    """From now on this number means this carrier's parcel, where the backend can tell two apart (our own carrier:
    one merchant may hold two carriers' parcels under one number). A remote carrier's numbers are its own."""
    pin = getattr(backend, "pin", None)
    if pin is not None:
        pin(tracking_number, carrier)


def scope_to_viewer(backend: object, phone: str | None) -> None:
    """Reads by number resolve for this shopper only (None: for nobody's phone): an ambiguous number they haven't
    proved is never someone else's parcel. A no-op for a backend whose numbers are one parcel each."""
    scope = getattr(backend, "for_viewer", None)
    if scope is not None:
        scope(phone)


@runtime_checkable
class Backend(Protocol):
    name: str
    supported_actions: frozenset[ActionKind]
    # Optional attribute `is_remote`: a backend that is not our own database (the network) is called with no
    # database transaction open (bot/core/carrier.py). Only a backend that says `is_remote = False` (the
    # reference carrier, which shares the turn's transaction) is called inside it.

    def find_shipments(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        order_number: str | None = None,
        tracking_number: str | None = None,
    ) -> list[Shipment]: ...

    def get_shipment(self, tracking_number: str) -> Shipment | None: ...

    def available_actions(self, tracking_number: str) -> list[ActionOption]: ...

    def apply_action(
        self, tracking_number: str, action: DeliveryAction, *, idempotency_key: str, context: ChangeContext
    ) -> ActionResult: ...

    def proof_of_delivery(self, tracking_number: str) -> ProofOfDelivery | None: ...

    def create_return(
        self, tracking_number: str, request: ReturnRequest, *, idempotency_key: str, context: ChangeContext
    ) -> ReturnInfo: ...

    def return_status(self, tracking_number: str) -> ReturnInfo | None: ...

    def cancel_order(
        self, order_number: str, *, idempotency_key: str, context: ChangeContext
    ) -> ActionResult: ...
