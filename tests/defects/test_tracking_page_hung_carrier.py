"""The tracking page of a merchant whose carrier takes the request and never answers is the 503 "can't reach the
carrier" page within a few seconds. It held its web thread for the HTTP client's 3 tries of a 10 s read timeout
(about 31 s): a few dozen views of such pages took every thread of every worker, the SMS webhooks' included.
Page views now wait for a carrier at most bot.web.tracking.PAGE_WAITS_FOR_CARRIER. A real carrier that hangs."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.resilience import _DEADLINE, answer_within
from bot.web.tracking import PAGE_WAITS_FOR_CARRIER
from tests.api.support import event


@pytest.fixture
def hung_carrier(client, demo, auth, monkeypatch):  # noqa: ANN001, ANN201
    """The demo merchant's parcels at a carrier on this machine that takes each request and never answers."""
    release = threading.Event()

    class Hangs(BaseHTTPRequestHandler):
        def log_message(self, *_a):  # noqa: ANN002, ANN202
            pass

        def do_GET(self) -> None:  # noqa: N802
            release.wait(40)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hangs)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("MERCHANT_DEMO__CARRIER_SECRET", "s3cret-for-hmac")
    monkeypatch.setenv("PARCELBOT_BACKEND_ALLOW_PRIVATE_HOSTS", "1")  # the carrier is on this machine
    saved = client.put("/api/v1/settings", headers={**auth, "Content-Type": "application/json"}, data=json.dumps(
        {"backend": {"type": "http", "base_url": f"http://127.0.0.1:{server.server_address[1]}/v1",
                     "allow_insecure_http": True, "secret_env": "MERCHANT_DEMO__CARRIER_SECRET"}}))
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
    yield
    release.set()
    server.shutdown()


def test_a_hung_carriers_tracking_page_gives_up_in_seconds(client, runtime, hung_carrier) -> None:  # noqa: ANN001
    token = runtime.links.tracking_url("demo", "PB100000001GB").rsplit("/", 1)[1]
    started = time.monotonic()
    page = client.get(f"/t/{token}")
    took = time.monotonic() - started
    assert page.status_code == 503 and "can't reach the carrier right now" in page.get_data(as_text=True)
    assert took < PAGE_WAITS_FOR_CARRIER + 2, f"the page held its thread {took:.1f} s"


def test_a_merchants_event_is_taken_in_seconds_while_its_carrier_hangs(client, auth, hung_carrier) -> None:  # noqa: ANN001
    """An "out for delivery" event asks the carrier which one-tap options to offer; a hung carrier held the post."""
    started = time.monotonic()
    posted = client.post("/api/v1/shipments/PB100000001GB/events", headers=auth,
                         json=event("out_for_delivery", 1))
    took = time.monotonic() - started
    assert posted.status_code == 201, posted.get_data(as_text=True)[:300]
    assert took < PAGE_WAITS_FOR_CARRIER + 2, f"the event post waited {took:.1f} s on the carrier"


def test_a_nested_budget_never_outlasts_the_callers() -> None:
    with answer_within(1.0):
        outer = _DEADLINE.get()
        with answer_within(60.0):
            assert _DEADLINE.get() == outer  # the inner call can't take more than the caller has
        with answer_within(0.1):
            assert _DEADLINE.get() < outer
    assert _DEADLINE.get() is None
