"""A carrier that answers 503 while a shopper confirms a change, shown with the production topology's real processes
(docs/faults.md 1, docs/deployment.md): a gunicorn web host, one Celery worker running beat (`worker -B`),
PostgreSQL, Redis, and a carrier speaking our HTTP contract on a local port (backend/http_adapter.py).

The shopper texts the signed Twilio webhook, proves the parcel with the one-time code the host texted them, confirms,
and hears the carrier hasn't confirmed it yet and they will be texted. The write is kept in pending_requests; only
the worker's beat can try it again (no host runs jobs or a ticker under PARCELBOT_JOBS=celery). Then:

* the carrier recovers: the worker makes the write once, under the key of the shopper's confirmation, the change is
  recorded once and audited, and the worker texts the shopper the carrier's reference;
* the carrier never recovers: after the last try the worker gives the write up, records and audits that, and texts
  the shopper it hasn't been changed.

Time: beat runs retry_pending every second here (PARCELBOT_SCHEDULE_SECONDS, the operator's setting, instead of the
shipped 60 s), and a kept write's backoff (1, 2, 4 ... minutes, tests/faults/test_carrier_faults.py) is spent by
moving its next try to now, as time passing would: compare-and-set on the value read, so a try the worker holds a
lease on is never touched. Waiting out the real minutes would take a minute for the first case and hours for the
second; what this shows is which process retries, tells and sends, and that nothing is doubled on the way."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from backend import models as m
from backend.db import transaction
from backend.pending import MAX_ATTEMPTS
from backend.serialize import option_to_json, shipment_to_json
from backend.signing import HEADER, verify
from backend.types import ActionKind, ActionOption, Address, Shipment, ShipmentStatus
from tests.dialogues.aftersales_kit import latest_code
from tests.helpers import real_now
from tests.scaleout.kit import NEEDS, sms
from tests.scaleout.topology import Topology

pytestmark = NEEDS

ACME = "+441614960001"
SHOPPER = "+447700900111"
PARCEL = "AC100000001GB"
SECRET = "carrier-secret-for-the-scaleout-test"


@dataclass
class Carrier:
    """The far side, on a real socket: `down` answers every write 503 (nothing made); otherwise it makes a key's
    write once and answers a repeat with the same result, as the contract asks. Every write is noted."""

    down: bool = True
    writes: list[tuple[str, int]] = field(default_factory=list)  # (Idempotency-Key, the status answered)
    applied: dict[str, dict] = field(default_factory=dict)
    unsigned: int = 0  # requests whose signature didn't check out: none expected
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict]:
        if not verify(SECRET, headers.get(HEADER), method, path, body, now=real_now().timestamp()):
            self.unsigned += 1
            return 401, {"error": {"code": "unsigned", "message": "bad signature"}}
        parcel = shipment_to_json(Shipment(PARCEL, "A-1", "http", "acme", "Sam", SHOPPER, None,
                                           Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))
        route = urlsplit(path)
        if method == "GET" and route.path == "/shipments":
            asked = {k: v[0] for k, v in parse_qs(route.query).items()}
            mine = asked.get("phone") == SHOPPER or asked.get("tracking_number") == PARCEL
            return 200, {"shipments": [parcel] if mine else []}
        if method == "GET" and route.path == f"/shipments/{PARCEL}":
            return 200, parcel
        if method == "GET" and route.path == f"/shipments/{PARCEL}/actions":
            return 200, {"actions": [option_to_json(ActionOption(ActionKind.ADD_DELIVERY_NOTE, True))]}
        if method == "POST" and route.path == f"/shipments/{PARCEL}/actions":
            key = headers.get("Idempotency-Key") or ""
            with self.lock:
                if self.down:
                    self.writes.append((key, 503))
                    return 503, {"error": {"code": "maintenance", "message": "Down for maintenance"}}
                if key not in self.applied:
                    self.applied[key] = {"status": "accepted", "reference": f"AC-REF-{len(self.applied) + 1}"}
                self.writes.append((key, 200))
                return 200, self.applied[key]
        return 404, {"error": {"code": "not_found", "message": "No such thing"}}


def _serve(carrier: Carrier) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_a):  # noqa: ANN002, ANN202
            pass

        def _handle(self, method: str) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = carrier.answer(method, self.path, self.headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def carrier(topology: Topology, runtime):  # noqa: ANN001, ANN201
    """A merchant whose carrier is the local one (an `http` backend, as a merchant's settings give it), the web host
    and the worker with beat started; yields the carrier."""
    far = Carrier()
    server = _serve(far)
    with transaction(runtime.sessions) as session:
        session.add(m.Merchant(slug="acme", name="Acme", sms_number=ACME, timezone="Europe/London", settings={
            "backend": {"type": "http", "base_url": f"http://127.0.0.1:{server.server_address[1]}",
                        "allow_insecure_http": True, "secret_env": "MERCHANT_ACME__CARRIER_SECRET",
                        "supported_actions": [ActionKind.ADD_DELIVERY_NOTE.value]},
            # The processes run on the real clock: in quiet hours (21:00-08:00) the outcome text would rightly wait
            # for the morning, and this test is about who sends it, not when.
            "quiet_hours": {}}))
    topology.env.update({"PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS": "1", "MERCHANT_ACME__CARRIER_SECRET": SECRET,
                         "PARCELBOT_SCHEDULE_SECONDS": "retry_pending=1"})
    try:
        yield far
    finally:
        server.shutdown()


def _kept_while_the_carrier_is_down(topology: Topology, runtime, carrier: Carrier) -> m.PendingRequest:  # noqa: ANN001
    """The shopper's conversation over the webhook, ending in "not confirmed yet, I'll text you"; the kept write."""
    host = topology.web("web-1")
    topology.worker("worker-beat", topology.env["PARCELBOT_CELERY_QUEUE"], beat=True)
    asked = " ".join(sms(host, "add a note for the driver: ring twice", SHOPPER, ACME))
    assert "Reply YES" in asked, asked
    code_sent = " ".join(sms(host, "yes", SHOPPER, ACME))
    assert "code" in code_sent, code_sent
    kept = " ".join(sms(host, latest_code(runtime, SHOPPER), SHOPPER, ACME))
    assert "haven't confirmed it yet" in kept and "text you" in kept, f"{kept}\n{topology.logs()}"
    [row] = _rows(runtime, m.PendingRequest)
    assert row.status == "pending" and row.kind == "apply_action", (row.status, row.kind)
    assert carrier.writes and {key for key, _ in carrier.writes} == {row.idempotency_key}, carrier.writes
    assert not carrier.applied
    return row


def _rows(runtime, model: type, *where: Any) -> list:  # noqa: ANN001
    with runtime.sessions() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def _until(done: Callable[[], Any], seconds: float, what: str, topology: Topology) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what}: not after {seconds:.0f} s\n{topology.logs()}")


def _backoff_spent(runtime, row_id: int) -> tuple[int, str]:  # noqa: ANN001
    """Make a resting kept write due now (its backoff spent); returns its attempts and status as they were."""
    with runtime.sessions() as session:
        row = session.get(m.PendingRequest, row_id)
        seen = (row.attempts, row.status)
        if row.status == "pending":
            session.execute(update(m.PendingRequest).where(
                m.PendingRequest.id == row_id, m.PendingRequest.status == "pending",
                m.PendingRequest.next_attempt_at == row.next_attempt_at,  # not while the worker holds a lease
            ).values(next_attempt_at=real_now() - timedelta(seconds=1)))
            session.commit()
    return seen


def _tried_again(runtime, row_id: int, topology: Topology) -> m.PendingRequest:  # noqa: ANN001
    """Spend the backoff and wait for beat's retry_pending to record one more try."""
    seen = _backoff_spent(runtime, row_id)

    def moved() -> m.PendingRequest | None:
        with runtime.sessions() as session:
            row = session.get(m.PendingRequest, row_id)
            return row if (row.attempts, row.status) != seen else None

    return _until(moved, 60, f"kept write {row_id} tried again by the worker's beat", topology)


def _told(runtime, key: str, topology: Topology) -> m.Message:  # noqa: ANN001
    """The outcome text retry_pending queued for this write (its dedupe key), once the worker has sent it."""
    def sent() -> m.Message | None:
        rows = _rows(runtime, m.Message, m.Message.direction == "out", m.Message.recipient == SHOPPER,
                     m.Message.dedupe_key == f"kept:{key}")
        return rows[0] if rows and rows[0].status == "sandbox" else None

    return _until(sent, 60, "the outcome texted to the shopper by the worker", topology)


def test_the_worker_makes_a_kept_write_once_when_the_carrier_recovers_and_texts_the_shopper(
        topology: Topology, runtime, carrier: Carrier) -> None:  # noqa: ANN001
    row = _kept_while_the_carrier_is_down(topology, runtime, carrier)
    key = row.idempotency_key
    carrier.down = False

    done = _tried_again(runtime, row.id, topology)
    assert done.status == "done", (done.status, done.last_error)
    told = _told(runtime, key, topology)
    assert "AC-REF-1" in told.body and "ring twice" in told.body.lower(), told.body

    # Beat keeps running retry_pending: nothing more is sent, recorded or texted.
    log = next(p for p in topology.processes if p.name == "worker-beat").log
    runs = log.read_text(errors="replace").count("Sending due task retry-pending")
    _until(lambda: log.read_text(errors="replace").count("Sending due task retry-pending") >= runs + 3, 30,
           "beat running retry_pending again", topology)
    assert {k for k, _ in carrier.writes} == {key}, carrier.writes  # the confirmation's key on every try
    assert [status for _, status in carrier.writes].count(200) == 1 and list(carrier.applied) == [key], \
        (carrier.writes, carrier.applied)
    assert carrier.unsigned == 0
    [change] = _rows(runtime, m.DeliveryChange)
    assert (change.idempotency_key, change.status, change.reference) == (key, "accepted", "AC-REF-1")
    [audit] = _rows(runtime, m.AuditEntry, m.AuditEntry.action == "add_delivery_note:retry")
    assert (audit.result, audit.reference, audit.subject) == ("accepted", "AC-REF-1", PARCEL)
    assert audit.detail["idempotency_key"] == key
    assert len(_rows(runtime, m.Message, m.Message.dedupe_key == f"kept:{key}")) == 1


def test_the_worker_gives_up_a_write_the_carrier_never_takes_and_texts_the_shopper(
        topology: Topology, runtime, carrier: Carrier) -> None:  # noqa: ANN001
    row = _kept_while_the_carrier_is_down(topology, runtime, carrier)
    key = row.idempotency_key

    for _ in range(MAX_ATTEMPTS):
        row = _tried_again(runtime, row.id, topology)
        if row.status != "pending":
            break
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS), (row.status, row.attempts, row.last_error)
    told = _told(runtime, key, topology)
    assert "hasn't been changed" in told.body and "AC-REF" not in told.body, told.body

    assert {k for k, _ in carrier.writes} == {key} and not carrier.applied, carrier.writes
    assert carrier.unsigned == 0
    [change] = _rows(runtime, m.DeliveryChange)
    assert (change.idempotency_key, change.status) == (key, "rejected")
    [audit] = _rows(runtime, m.AuditEntry, m.AuditEntry.action == "add_delivery_note:retry")
    assert audit.result == "rejected" and audit.detail["attempts"] == MAX_ATTEMPTS
    assert len(_rows(runtime, m.Message, m.Message.dedupe_key == f"kept:{key}")) == 1
