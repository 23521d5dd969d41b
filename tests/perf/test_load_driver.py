"""`parcelbot bench load`'s pieces, on a tiny real load in-process (a few seconds; no timing is asserted).

The app is served over real HTTP on a thread (werkzeug), so the driver's own HTTP client, Twilio signing,
scripted conversations (a code read from the outbox included), the workers' probe and the report all run as
in the benchmark, on the test database (SQLite, or PostgreSQL with PARCELBOT_TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.serving import make_server

from backend import models as m
from bot.cli.load import code_reader, run_steps
from bot.cli.load.driver import Driver, Target
from bot.cli.load.probe import Probe, read_all, total
from bot.cli.load.report import as_json, plot
from bot.cli.load.scripts import SCRIPTS, ConversationSource
from bot.cli.load.seed import seed_shoppers
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN

pytestmark = pytest.mark.bench
SHOPPERS = 600


@pytest.fixture
def served(app, runtime, tmp_path: Path):  # noqa: ANN001, ANN201
    """The real app over HTTP on a free port, with the benchmark's probe counting in this process."""
    seed_shoppers(runtime.sessions, SHOPPERS)
    probe = Probe(tmp_path / "probe")
    probe.install()
    server = make_server("127.0.0.1", 0, probe.wrap(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, probe
    server.shutdown()
    probe.uninstall()


def test_mixed_signed_conversations_are_answered_as_scripted(served, db_url: str, runtime, tmp_path: Path):  # noqa: ANN001
    port, probe = served
    driver = Driver(Target("127.0.0.1", port, TWILIO_TOKEN, PUBLIC_URL), ConversationSource(SHOPPERS),
                    read_code=code_reader(db_url))  # fmt: skip
    steps = asyncio.run(run_steps(driver, "parcelbot", [20.0], 1.5, 1.5, 3, sessions={"web": os.getsid(0)},
                                  log=lambda _line: None))  # the server runs in this test's own session
    asyncio.run(driver.drain())  # every conversation started is carried to its end

    outcomes = Counter(s.outcome for s in driver.samples)
    assert set(outcomes) == {"ok"}, outcomes  # every reply signed-in, 200, and what the script expects
    assert {s.kind for s in driver.samples} == set(SCRIPTS)  # SMS where-is, change with a code, smalltalk, web
    started = [s for s in driver.samples if s.kind == "change_sms" and s.step == 0]
    done = [s for s in driver.samples if s.kind == "change_sms" and s.step == 2]  # the code sent back: "Done"
    assert started and len(done) == len(started)
    with runtime.sessions() as s:  # a change made with the code texted to the shopper is really applied
        changed = s.scalars(select(m.Shipment).where(m.Shipment.tracking_number.like("PL%"),
                                                     m.Shipment.changes_count > 0)).all()  # fmt: skip
    assert len(changed) == len(done)
    assert all(sh.instructions.get("neighbour") == "number 22" for sh in changed)

    probe.dump()  # what each worker exports: the turns it answered and the SQL they took
    counted = total(read_all(probe.out_dir))
    assert counted.turns == len(driver.samples)
    assert counted.statements > counted.turns and counted.commits >= counted.turns

    report = as_json({"command": "test"}, steps)
    json.dumps(report)  # serialisable as written to load.json
    assert set(report["summary"]) == {"parcelbot_sustained", "floor_sustained", "ratio_to_floor",
                                      "parcelbot_p99_ms_at_200", "parcelbot_cpu_ms_per_message",
                                      "floor_cpu_ms_per_message", "max_rss_mb_per_worker",
                                      "parcelbot_cpu_ms_per_message_at_max",
                                      "floor_cpu_ms_per_message_at_max"}  # fmt: skip
    assert set(report["summary"]["parcelbot_cpu_ms_per_message_at_max"]) == {"web", "postgres", "redis", "driver",
                                                                             "machine"}  # fmt: skip
    assert [s["offered"] for s in report["steps"]] == [20.0, None]
    for step in report["steps"]:
        assert step["errors"] == 0 and step["unexpected"] == 0 and step["messages"] > 0
        assert 0 < step["p50_ms"] <= step["p95_ms"] <= step["p99_ms"]
        assert step["cpu_ms_per_message_by"]["web"] > 0  # the server answered in this session's threads
        assert step["cpu_ms_per_message_by"]["machine"] >= step["cpu_ms_per_message_by"]["web"] * 0.5
    assert report["steps"][1]["concurrency"] == 3
    plot(steps, tmp_path / "load.png", "test")
    with Image.open(tmp_path / "load.png") as png:
        assert png.format == "PNG" and png.size == (900, 560)


def test_a_request_not_signed_with_the_merchants_token_is_refused(served):  # noqa: ANN001
    port, _probe = served
    driver = Driver(Target("127.0.0.1", port, "not-the-token", PUBLIC_URL),
                    ConversationSource(SHOPPERS, mix=("where_sms",)))  # fmt: skip
    samples, _wall = asyncio.run(driver.open_loop(20.0, 0.3))
    assert samples and {s.outcome for s in samples} == {"http_403"}
