"""GET /metrics for operators (docs/operations.md): real turns through the signed SMS webhook and the REST
webhook, a send Twilio refuses (its HTTP mocked with `responses`), a remote carrier that answers, times out
and fails (the HTTP carrier's API mocked with `responses`), a handoff waiting; then the exposition is parsed
with prometheus_client's own parser and every number is checked against what happened, read from the
database or from the mocked calls. The registry is process-global, so counters are compared before/after.
"""

from __future__ import annotations

import collections
import copy
import json
import re
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.serialize import shipment_to_json
from backend.types import Address, Shipment, ShipmentStatus
from bot.core import telemetry
from bot.core.outbox import queue_message
from bot.jobs.send_outbox import send_due
from bot.web import create_app
from channels.twilio_send import TwilioSender
from intents import default_training_paths
from intents.loader import load_training_data
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import sms_form, twilio_post

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

SID = "AC" + "0123456789abcdef" * 2
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
DEMO_SHOPPER = "+447700900123"
DEMO_NUMBER = "+441614960000"
ACME_NUMBER = "+441614960001"
ACME_SHOPPER = "+447700900111"
PARCELS = ("AC100000001GB", "AC100000002GB", "AC100000003GB")


# -- reading /metrics ---------------------------------------------------------------------------------------
def scrape(client, token: str | None = None) -> tuple[Samples, str]:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.get_data(as_text=True)
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, text


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def inbound(runtime) -> list[m.Message]:  # noqa: ANN001
    with runtime.sessions() as session:
        return list(session.scalars(select(m.Message).where(m.Message.direction == "in").order_by(m.Message.id)))


# -- turns, intents, handoffs, the outbox backlog --------------------------------------------------------------
def test_turns_intents_handoffs_and_the_backlog_are_counted(runtime, client, demo) -> None:  # noqa: ANN001
    before, _ = scrape(client)
    rest = ["where is my parcel", "thanks!", "I want to talk to a person"]
    for text in rest:
        assert client.post("/webhooks/rest/webhook", json={"sender": "web-1", "message": text}).status_code == 200
    form = sms_form("where is my parcel?", sender=DEMO_SHOPPER, to=DEMO_NUMBER)
    for _ in range(2):  # Twilio retries the same webhook: the second is a duplicate, nothing runs again
        answer = twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)
        assert answer.status_code == 200
    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        queue_message(session, merchant=merchant, channel="sms", to="+447700900456", body="On its way")
        queue_message(session, merchant=merchant, channel="sms", to="+447700900789", body="Tomorrow",
                      send_after=datetime.now(UTC) + timedelta(days=1))
    after, text = scrape(client)

    assert moved(before, after, "parcelbot_turns_total", channel="rest", outcome="answered") == len(rest)
    assert moved(before, after, "parcelbot_turns_total", channel="sms", outcome="answered") == 1
    assert moved(before, after, "parcelbot_turns_total", channel="sms", outcome="duplicate") == 1
    assert moved(before, after, "parcelbot_turn_duration_seconds_count", channel="rest") == len(rest)
    assert moved(before, after, "parcelbot_turn_duration_seconds_count", channel="sms") == 2
    assert moved(before, after, "parcelbot_turn_duration_seconds_sum", channel="rest") > 0

    # Every new message's intent once (the duplicate not again), as the engine stored it.
    stored = inbound(runtime)
    assert len(stored) == len(rest) + 1
    intents = collections.Counter(msg.intent for msg in stored)
    assert intents["talk_to_human"] == 1
    for intent, count in intents.items():
        assert moved(before, after, "parcelbot_nlu_intents_total", intent=intent) == count

    # Read at scrape time from the database, compared with the rows read here another way.
    with runtime.sessions() as session:
        waiting = [c for c in session.scalars(select(m.Conversation)) if c.status == "waiting"]
        queued = [msg for msg in session.scalars(select(m.Message)) if msg.status == "queued" and msg.channel == "sms"]
    now = datetime.now(UTC)
    assert len(waiting) == 1
    assert value(after, "parcelbot_handoffs_waiting") == 1
    assert value(after, "parcelbot_handoff_oldest_wait_seconds") >= 0
    assert value(after, "parcelbot_outbox_queued", channel="sms") == len(queued) >= 2
    due = [msg for msg in queued if msg.send_after is None or msg.send_after <= now]
    assert value(after, "parcelbot_outbox_due", channel="sms") == len(due) == len(queued) - 1
    assert value(after, "parcelbot_metrics_database_up") == 1
    assert_nothing_personal(text)


def test_an_unknown_merchant_is_a_turn_of_its_own(runtime, client, demo) -> None:  # noqa: ANN001
    before, _ = scrape(client)
    answer = client.post("/webhooks/rest/webhook?merchant=nobody", json={"sender": "web-2", "message": "hi"})
    assert answer.status_code == 404
    after, _ = scrape(client)
    assert moved(before, after, "parcelbot_turns_total", channel="rest", outcome="unknown_merchant") == 1
    assert moved(before, after, "parcelbot_turns_total", channel="rest", outcome="answered") == 0


# -- sends ------------------------------------------------------------------------------------------------------
def _twilio_error(status: int) -> dict:
    return {"code": 20000 + status, "message": "refused", "more_info": "https://www.twilio.com/docs/errors",
            "status": status}


def _twilio_sent(request) -> tuple[int, dict, str]:  # noqa: ANN001
    return 201, {}, '{"sid": "SM' + uuid.uuid4().hex + '", "status": "queued"}'


@responses.activate
def test_failed_sends_are_counted_by_channel_and_status_class(runtime, client, demo) -> None:  # noqa: ANN001
    twilio = TwilioSender(SID, "auth-token")
    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        retried = queue_message(session, merchant=merchant, channel="sms", to="+447700900456",
                                body="On its way").message.id
    responses.add(responses.POST, MESSAGES_URL, status=500, json=_twilio_error(500))
    responses.add(responses.POST, MESSAGES_URL, status=429, json=_twilio_error(429))
    responses.add_callback(responses.POST, MESSAGES_URL, callback=_twilio_sent)
    t0 = datetime.now(UTC)
    before, _ = scrape(client)
    assert send_due(runtime, now=t0, sender=twilio) == 0  # 500: retried later
    assert send_due(runtime, now=t0 + timedelta(hours=1), sender=twilio) == 0  # 429: retried later
    assert send_due(runtime, now=t0 + timedelta(hours=2), sender=twilio) == 1  # sent
    after, text = scrape(client)
    assert len(responses.calls) == 3
    assert moved(before, after, "parcelbot_outbox_send_failures_total", channel="sms", status_class="5xx",
                 final="false") == 1
    assert moved(before, after, "parcelbot_outbox_send_failures_total", channel="sms", status_class="4xx",
                 final="false") == 1
    assert moved(before, after, "parcelbot_outbox_sends_total", channel="sms", status="sent") == 1
    with runtime.sessions() as session:
        assert session.get(m.Message, retried).status == "sent"
    assert "+447700900456" not in text

    responses.replace(responses.POST, MESSAGES_URL, status=400, json=_twilio_error(400))  # never works: final
    with transaction(runtime.sessions) as session:
        queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900789", body="Hello")
    assert send_due(runtime, now=t0 + timedelta(hours=3), sender=twilio) == 0
    last, _ = scrape(client)
    assert moved(after, last, "parcelbot_outbox_send_failures_total", channel="sms", status_class="4xx",
                 final="true") == 1


# -- carrier calls ----------------------------------------------------------------------------------------------
_OPERATION = [  # the carrier contract's paths (backend/openapi/carrier-contract.yaml) -> the protocol's method
    ("GET", re.compile(r"/v1/shipments"), "find_shipments"),
    ("GET", re.compile(r"/v1/shipments/[^/]+"), "get_shipment"),
    ("GET", re.compile(r"/v1/shipments/[^/]+/actions"), "available_actions"),
    ("GET", re.compile(r"/v1/shipments/[^/]+/proof-of-delivery"), "proof_of_delivery"),
    ("GET", re.compile(r"/v1/shipments/[^/]+/returns"), "return_status"),
]


def _operation(request) -> str:  # noqa: ANN001
    path = urlsplit(request.url).path
    return next(op for method, pattern, op in _OPERATION if request.method == method and pattern.fullmatch(path))


def _parcel(tracking: str) -> dict:
    return shipment_to_json(Shipment(tracking, "A-1", "http", "acme", "Sam", ACME_SHOPPER, None,
                                     Address("1 High St", "Leeds", "LS1 1AA"), ShipmentStatus.IN_TRANSIT))


@pytest.fixture
def acme(runtime, monkeypatch) -> Iterator[str]:  # noqa: ANN001
    """A merchant on the HTTP carrier, one try per call (so one HTTP request is one carrier call), on a host of
    its own (the circuit breaker's state is per host and process-wide)."""
    monkeypatch.setenv("MERCHANT_ACME__CARRIER_SECRET", "carrier-secret")
    base = f"https://carrier-{uuid.uuid4().hex[:8]}.example.test/v1"
    with transaction(runtime.sessions) as session:
        session.add(m.Merchant(slug="acme", name="Acme", sms_number=ACME_NUMBER, timezone="Europe/London",
                               settings={"backend": {"type": "http", "base_url": base, "retry_attempts": 1,
                                                     "secret_env": "MERCHANT_ACME__CARRIER_SECRET"}}))
    yield base


def test_carrier_calls_are_timed_and_their_errors_counted(runtime, client, demo, acme) -> None:  # noqa: ANN001
    answered, failed, malformed = PARCELS

    def carrier(request):  # noqa: ANN001, ANN202 - one parcel answered, one times out, one garbled; the rest down
        url = urlsplit(request.url)
        parts = url.path.split("/")  # /v1/shipments[/<tracking number>[/...]]
        asked = parse_qs(url.query).get("tracking_number", [parts[3] if len(parts) > 3 else ""])[0]
        if asked == failed:
            raise requests.exceptions.ReadTimeout("read timed out")
        if asked == malformed:
            return 200, {}, json.dumps({"shipments": [{"no_tracking_number": True}]})  # a bug on either side
        if url.path == "/v1/shipments" and "phone" in parse_qs(url.query):  # the sender's own: the answered one
            return 200, {}, json.dumps({"shipments": [_parcel(answered)]})
        if url.path == "/v1/shipments" and asked == answered:
            return 200, {}, json.dumps({"shipments": [_parcel(answered)]})
        if url.path == f"/v1/shipments/{answered}":
            return 200, {}, json.dumps(_parcel(answered))
        return 503, {}, "{}"

    before, _ = scrape(client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, re.compile(re.escape(acme) + r"/.*"), callback=carrier)
        # A number that isn't the sender's is looked up when its postcode is checked (naming it looks nothing
        # up: dialogues/subflows/identify.py), so the other two parcels are reached through a postcode.
        for text in (f"where is my parcel {answered}?", f"where is {failed}?", "LS1 1AA", f"where's {malformed}",
                     "LS1 1AA"):
            form = sms_form(text, sender=ACME_SHOPPER, to=ACME_NUMBER)
            answer = twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)
            assert answer.status_code == 200
        calls = list(mock.calls)
    after, text = scrape(client)

    made = collections.Counter(_operation(call.request) for call in calls)
    errors = collections.Counter(
        _operation(call.request) for call in calls
        if isinstance(call.response, Exception) or call.response.status_code >= 500
    )
    assert sum(made.values()) >= 3 and sum(errors.values()) >= 1, made  # one answered, one timed out
    for operation in telemetry.OPERATIONS:
        assert moved(before, after, "parcelbot_carrier_call_duration_seconds_count", kind="http",
                     operation=operation) == made[operation], operation
        assert moved(before, after, "parcelbot_carrier_call_errors_total", kind="http", operation=operation,
                     error="unavailable") == errors[operation], operation
    # The garbled answer is the carrier answering what we can't read (a BackendError, review 8), not a crash of ours
    assert moved(before, after, "parcelbot_carrier_call_errors_total", kind="http", operation="find_shipments",
                 error="backend_error") == 1
    assert moved(before, after, "parcelbot_carrier_call_errors_total", kind="http", operation="find_shipments",
                 error="unexpected") == 0
    # The timeout and the garbled answer are both an honest "can't reach the carrier" (answered), not an apology.
    assert moved(before, after, "parcelbot_turns_total", channel="sms", outcome="answered") == 5
    assert moved(before, after, "parcelbot_turns_total", channel="sms", outcome="apology") == 0
    assert_nothing_personal(text)


# -- the token, and nothing personal -------------------------------------------------------------------------------
def test_the_token_is_required_when_set(runtime, demo, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PARCELBOT_METRICS_TOKEN", "s3cret-metrics-token")
    client = create_app(runtime=runtime).test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "parcelbot_" not in refused.get_data(as_text=True)
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic s3cret-metrics-token"}).status_code == 401
    samples, _ = scrape(client, token="s3cret-metrics-token")
    assert value(samples, "parcelbot_metrics_database_up") == 1
    assert client.post("/metrics").status_code == 405  # GET only


def test_without_a_token_it_is_open(client, demo, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PARCELBOT_METRICS_TOKEN", raising=False)
    samples, text = scrape(client)
    assert "process_cpu_seconds_total" in text  # the process metrics ride along (Linux)
    assert value(samples, "parcelbot_metrics_database_up") == 1


def assert_nothing_personal(text: str) -> None:
    assert not re.search(r"\+\d{6,}", text), "a phone number in the metrics"
    assert not re.search(r"\b(PB|AC)1\d{8}GB\b", text), "a tracking number in the metrics"
    assert "web-1" not in text and "rest:" not in text
    for line in text.splitlines():
        if not line.startswith("#"):
            assert line.startswith(("parcelbot_", "process_", "python_", "python_gc_")), line


# -- labels stay bounded; several workers --------------------------------------------------------------------------
def test_every_trained_intent_is_a_label_of_its_own() -> None:
    trained = set(load_training_data(default_training_paths()).intents)
    assert trained <= telemetry.INTENTS, trained - telemetry.INTENTS
    assert telemetry.INTENTS - trained <= {"out_of_scope"}


def test_an_unknown_channel_or_intent_folds_into_other() -> None:
    before = telemetry.NLU_INTENTS.labels("other")._value.get()
    telemetry.understood("+447700900123 said something")
    assert telemetry.NLU_INTENTS.labels("other")._value.get() == before + 1
    assert telemetry.channel_label("carrier-pigeon") == "other" and telemetry.channel_label("sms") == "sms"


_WORKER = """
from bot.core import telemetry
telemetry.turn_handled("sms", "answered", 0.05)
"""
_SCRAPER = """
import sys
from bot.config import Settings
from bot.runtime import build_runtime
from bot.web import create_app
runtime = build_runtime(Settings.from_env({env!r}), lazy_nlu=True)
sys.stdout.write(create_app(runtime=runtime).test_client().get("/metrics").get_data(as_text=True))
"""


def test_several_workers_add_up_in_multiprocess_mode(env, tmp_path: Path) -> None:  # noqa: ANN001
    """Two worker processes count a turn each; a third (the one Prometheus happens to reach) reports both."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[2]
    for _ in range(2):
        subprocess.run([sys.executable, "-c", _WORKER], env=environ, cwd=root, check=True, timeout=60)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(_SCRAPER.format(env=env))], env=environ, cwd=root,
                         check=True, timeout=120, capture_output=True, text=True).stdout
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in text_string_to_metric_families(out) for s in family.samples}
    assert value(samples, "parcelbot_turns_total", channel="sms", outcome="answered") == 2
    assert value(samples, "parcelbot_turn_duration_seconds_count", channel="sms") == 2
    assert value(samples, "parcelbot_metrics_database_up") == 1


def test_a_timed_backend_is_the_backend_it_wraps() -> None:
    """CarrierSnapshot copies the backend and switches off the copy's pending sink; the slow-change job sets it
    on the backend itself: both must reach the real adapter, and the copy must not share it."""

    class Remote:
        is_remote = True
        name = "acme-carrier"
        pending_sink: object = "sink"

        def get_shipment(self, tracking_number: str) -> None:
            raise LookupError(tracking_number)

    timed = telemetry.timed_backend(Remote(), "http")
    assert isinstance(timed, telemetry.TimedBackend) and timed.name == "acme-carrier"
    twin = copy.copy(timed)
    twin.pending_sink = None
    assert twin.pending_sink is None and timed.pending_sink == "sink"
    before = telemetry.CARRIER_ERRORS.labels("http", "get_shipment", "not_found")._value.get()
    with pytest.raises(LookupError):
        twin.get_shipment("PB100000001GB")
    assert telemetry.CARRIER_ERRORS.labels("http", "get_shipment", "not_found")._value.get() == before + 1
    local = Remote()
    local.is_remote = False
    assert telemetry.timed_backend(local, "reference") is local  # our own tables: not a carrier call
