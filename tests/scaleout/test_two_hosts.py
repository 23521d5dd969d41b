"""The scale-out story, shown with real processes (docs/deployment.md): two web hosts behind a "load balancer"
(the test alternates between them), one Celery worker, one PostgreSQL database and one Redis.

* a shopper's conversation alternates between the hosts and still works: its state is in the database;
* an agent signed in on host A watches the live console stream on host B, and hears a turn handled on A:
  events go through Redis, and the sign-in is a signed cookie any host can read;
* a notification queued by host A's API is sent by the Celery worker: the queue is Redis, no host sends it.

Needs PostgreSQL (PARCELBOT_TEST_DATABASE_URL, as the PostgreSQL run of the suite sets) and Redis
(PARCELBOT_TEST_REDIS_URL, default redis://127.0.0.1:6379/8); skipped, saying which, without them."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
import uuid

import requests
from PIL import Image
from sqlalchemy import func, select

from backend import models as m
from backend.db import transaction
from tests.conftest import PUBLIC_URL
from tests.console.kit import PASSWORD, make_user, token_in
from tests.helpers import real_now
from tests.scaleout.kit import NEEDS, sms
from tests.scaleout.topology import Topology

pytestmark = NEEDS


def _sign_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/console/login", timeout=30)
    response = session.post(base + "/console/login", timeout=30, data={
        "email": "sam@acme.example", "password": PASSWORD, "csrf_token": token_in(page.text)})
    assert response.status_code in (200, 302) and "session" in session.cookies, response.text[:300]
    return session


def _listen(session: requests.Session, url: str, into: queue.Queue, stop: threading.Event) -> None:
    """Read a server-sent event stream line by line into a queue until told to stop."""
    with session.get(url, stream=True, timeout=(10, 3)) as response:
        into.put(("status", response.status_code))
        try:
            for line in response.iter_lines(decode_unicode=True):
                if stop.is_set():
                    return
                if line:
                    into.put(("line", line))
        except requests.exceptions.ConnectionError:  # the read timeout after stop, or the host going away
            return


def _events(lines: queue.Queue, until: float) -> list[dict]:
    out = []
    while time.monotonic() < until:
        try:
            kind, line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        if kind == "line" and line.startswith("data: "):
            out.append(json.loads(line.removeprefix("data: ")))
    return out


def test_two_hosts_one_database_one_redis_one_worker(topology: Topology, runtime, demo) -> None:  # noqa: ANN001
    from bot.core.apikeys import create_key

    make_user(runtime)
    with transaction(runtime.sessions) as session:
        key, _ = create_key(session, session.merge(demo))
        # The hosts run on the real clock: in the demo's quiet hours (21:00-08:00 London) the notification below
        # would rightly wait for the morning, and this test is about who sends it, not when.
        merchant = session.get(m.Merchant, demo.id)
        merchant.settings = {**(merchant.settings or {}), "quiet_hours": {}}
    host_a, host_b = topology.web("web-a"), topology.web("web-b")
    topology.worker("worker-1", topology.env["PARCELBOT_CELERY_QUEUE"])

    try:
        # An agent signs in on A; the same cookie opens the live stream on B.
        agent = _sign_in(host_a)
        lines: queue.Queue = queue.Queue()
        stop = threading.Event()
        listener = threading.Thread(target=_listen, args=(agent, host_b + "/console/events", lines, stop), daemon=True)
        listener.start()
        assert lines.get(timeout=30) == ("status", 200)
        time.sleep(1.0)  # the stream subscribes to Redis after its first line

        # One shopper, alternating hosts: A lists the two parcels, B understands the choice A asked for.
        sender = "+447700900654"
        listed = sms(host_a, "wheres my order", sender)[0]
        assert "1)" in listed and "2)" in listed, listed
        choice = "1" if listed.index("Wool socks") < listed.index("Headtorch") else "2"
        answer = sms(host_b, choice, sender)[0]
        assert "PB100000005GB" in answer and "Wool socks" in answer, answer
        again = sms(host_a, "thanks", sender)
        assert again and again[0].strip()

        # The turns handled on A were heard on B's stream, through Redis.
        heard = _events(lines, time.monotonic() + 10)
        stored = [e for e in heard if e.get("kind") == "message_stored"]
        # Three turns (A, B, A), each an inbound message and a reply: B alone would hear only its own two.
        assert len(stored) >= 6, f"B heard {heard}\n{topology.logs()}"

        # A's API queues a notification; only the Celery worker can send it (no beat, no ticker in celery mode).
        with runtime.sessions() as session:
            before = session.scalar(select(func.max(m.Message.id))) or 0
        event = {"event_id": f"evt-{uuid.uuid4().hex[:8]}", "status": "out_for_delivery",
                 "occurred_at": real_now().isoformat()}  # the hosts' clock: the suite's own runs at midday
        response = requests.post(f"{host_a}/api/v1/shipments/PB100000001GB/events", json=event, timeout=60,
                                 headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 201 and response.json()["notification_queued"], response.text[:500]
        deadline, statuses = time.monotonic() + 90, []
        while not (statuses and set(statuses) == {"sandbox"}) and time.monotonic() < deadline:
            time.sleep(0.5)
            with runtime.sessions() as session:
                statuses = list(session.scalars(select(m.Message.status).where(
                    m.Message.id > before, m.Message.direction == "out", m.Message.recipient == "+447700900123")))
        assert statuses and set(statuses) == {"sandbox"}, f"not sent by the worker: {statuses}\n{topology.logs()}"

        # A photo uploaded through A is served by B: photos are in the database, no shared volume.
        buf = io.BytesIO()
        Image.new("RGB", (40, 30), (12, 34, 56)).save(buf, "PNG")
        uploaded = requests.post(f"{host_a}/api/v1/shipments/PB100000001GB/proof-of-delivery", timeout=60,
                                 headers={"Authorization": f"Bearer {key}"}, data={"place": "porch"},
                                 files={"photos": ("door.png", buf.getvalue(), "image/png")})
        assert uploaded.status_code in (200, 201), uploaded.text[:500]
        url = uploaded.json()["proof_of_delivery"]["photos"][0]["url"]
        served = requests.get(host_b + url.removeprefix(PUBLIC_URL), timeout=60)
        assert served.status_code == 200, f"{served.status_code}\n{topology.logs()}"
        assert served.content == buf.getvalue()
    finally:
        stop.set()
