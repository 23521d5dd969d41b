"""Helpers for the fault suite: a merchant on a remote carrier (a real HttpBackend against an API mocked with
`responses`) whose answers a test can switch between "fine", "times out", "5xx" and "refuses"."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
import responses
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.http_adapter import HttpBackend
from backend.reference import ReferenceBackend
from backend.resilience import CircuitBreaker, MemoryBreakerStore
from backend.serialize import option_to_json, shipment_to_json
from backend.types import ActionKind, ActionOption, Address, Shipment, ShipmentStatus
from bot.config import Settings
from bot.core.carrier import NeedsCarrier
from bot.core.messages import InboundMessage
from bot.runtime import Runtime, build_runtime
from tests.helpers import new_sid

BASE = "https://carrier-faults.example.com/v1"
ACME = "+441614960001"
SHOPPER = "+447700900111"
PARCEL = "AC100000001GB"
_names = itertools.count(1)


class Killed(BaseException):
    """The process dying (kill -9, an OOM) during a call: nothing after it runs, no handler catches it."""


@dataclass
class Carrier:
    """The far side: `mode` is what the next write gets ("ok", "timeout": a read that timed out, nothing applied,
    "unreachable": no connection, so it never got the request, "5xx", "refuse", "hang" until `release` is set,
    "queue": taken and answered "pending", as a carrier that works later does, "die": applied, and our process dies
    before the answer is read, "garbled": a 400, nothing applied, or "unreadable": applied, and a 200 we can't
    read). Like a real
    carrier it applies a key once and answers a repeat with the same result."""

    mode: str = "ok"
    writes: list[str] = field(default_factory=list)  # the Idempotency-Key of every write that reached it
    applied: dict[str, dict] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def write(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        if self.mode == "timeout":
            raise requests.ReadTimeout("the carrier took too long")
        if self.mode == "unreachable":  # no connection made: the request never reached it
            raise requests.ConnectTimeout("could not connect to the carrier")
        if self.mode == "5xx":
            return 503, {}, json.dumps({"error": "maintenance"})
        if self.mode == "garbled":  # an answer we can't read as yes or no (a 400): an error, not an outage
            self.writes.append(request.headers["Idempotency-Key"])
            return 400, {}, json.dumps({"error": "bad request"})
        key = request.headers["Idempotency-Key"]
        self.writes.append(key)
        if self.mode == "hang":
            self.release.wait(30)
        if key not in self.applied:
            self.applied[key] = ({"status": "rejected", "reason": "The driver has already left."}
                                 if self.mode == "refuse" else {"status": "pending"} if self.mode == "queue" else
                                 {"status": "accepted", "reference": f"AC-REF-{len(self.applied) + 1}"})
        if self.mode == "die":
            raise Killed("the web worker was killed while the carrier answered")
        if self.mode == "unreadable":  # applied, and a 200 whose body isn't JSON (a proxy's page)
            return 200, {}, "<html>ok</html>"
        return 200, {}, json.dumps(self.applied[key])


def acme_runtime(env: dict[str, str], interpreter, kind: ActionKind, **more_env: str) -> Runtime:  # noqa: ANN001
    """A merchant whose parcels live at a remote carrier; every change allowed from the recipient's number."""
    rt = build_runtime(Settings.from_env({**env, **more_env}), interpreter=interpreter, synchronous_jobs=True)
    with transaction(rt.sessions) as s:
        s.add(m.Merchant(slug="acme", name="Acme", sms_number=ACME, timezone="Europe/London",
                         settings={"verification": {kind.value: "sender_number"}}))
    # Each runtime its own breaker (the default store is process-wide) and no pauses between tries.
    breaker = CircuitBreaker(f"faults-{next(_names)}", store=MemoryBreakerStore())

    def backends(session, merchant, now):  # noqa: ANN001, ANN202
        if merchant.slug == "acme":
            return HttpBackend(BASE, "carrier-secret", merchant_slug="acme", supported_actions=[kind],
                               breaker=breaker, sleep=lambda _s: None)
        return ReferenceBackend(session, merchant, now=now)

    rt.set_backends(backends)
    return rt


@contextmanager
def carrier_api(carrier: Carrier, kind: ActionKind, order: str = "A-1") -> Iterator[responses.RequestsMock]:
    parcel = shipment_to_json(Shipment(PARCEL, order, "http", "acme", "Sam", SHOPPER, None,
                                       Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/shipments", json={"shipments": [parcel]})
        mock.get(f"{BASE}/shipments/{PARCEL}", json=parcel)
        mock.get(f"{BASE}/shipments/{PARCEL}/actions", json={"actions": [option_to_json(ActionOption(kind, True))]})
        mock.add_callback(responses.POST, f"{BASE}/shipments/{PARCEL}/actions", callback=carrier.write)
        mock.add_callback(responses.POST, f"{BASE}/orders/{order}/cancel", callback=carrier.write)
        yield mock


def say(rt: Runtime, text: str) -> str:
    out = rt.engine.handle(InboundMessage("sms", SHOPPER, ACME, text, channel_message_id=new_sid()))
    return " | ".join(r.text for r in out.replies)


def texted(rt: Runtime, to: str = SHOPPER) -> list[str]:
    """What went to the shopper through the outbox afterwards (not a turn's own replies)."""
    with rt.sessions() as s:
        return list(s.scalars(select(m.Message.body).where(m.Message.direction == "out", m.Message.recipient == to,
                                                           m.Message.status != "reply").order_by(m.Message.id)))


def changes(rt: Runtime) -> list[m.DeliveryChange]:
    with rt.sessions() as s:
        return list(s.scalars(select(m.DeliveryChange).order_by(m.DeliveryChange.id)))


def pending(rt: Runtime) -> list[m.PendingRequest]:
    with rt.sessions() as s:
        return list(s.scalars(select(m.PendingRequest).order_by(m.PendingRequest.id)))


def write_need(lane: str, key: str, call, owner: str = "") -> NeedsCarrier:  # noqa: ANN001
    """A write a turn needs from carrier `lane` (bot/core/lanes.py), as CarrierSnapshot raises it."""
    need = NeedsCarrier(("apply_action", key), call, write=True)
    need.lane, need.owner = lane, owner
    return need


def message_row(runtime, message_id: int) -> m.Message:  # noqa: ANN001
    """An outbox row as it is now (its status, attempts and next try)."""
    with runtime.sessions() as session:
        return session.get(m.Message, message_id)


def aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: read them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
