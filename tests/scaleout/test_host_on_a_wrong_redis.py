"""One host of two started with the wrong Redis (a port nothing listens on), as found following docs/deployment.md
by hand: it answers shoppers (docs/faults.md 3), its /healthz says "degraded" with "redis": "unavailable" where it
said "ok", and its log says what it missed in a line a turn, where it wrote a traceback for every event and job.
The other host, on the right Redis, is "ok"; and neither, given the whole shared environment, warns of a setting
it had to make up (bot/config.py SHARED_DEFAULTS)."""

from __future__ import annotations

import requests

from bot.config import SHARED_DEFAULTS
from tests.scaleout.kit import NEEDS, sms
from tests.scaleout.topology import Topology, free_port

pytestmark = NEEDS


def test_a_host_on_a_wrong_redis_answers_and_says_degraded(topology: Topology, demo) -> None:  # noqa: ANN001
    wrong = f"redis://127.0.0.1:{free_port()}/0"
    host_a = topology.web("web-a")
    host_b = topology.web("web-b", env={"REDIS_URL": wrong, "CELERY_BROKER_URL": wrong})
    try:
        assert requests.get(host_a + "/healthz", timeout=30).json() == {"status": "ok"}
        health = requests.get(host_b + "/healthz", timeout=30)
        assert health.status_code == 200 and health.json() == {"status": "degraded", "redis": "unavailable"}

        for text in ("wheres my parcel", "thanks"):
            assert sms(host_b, text, "+447700900123")[0].strip()  # answered by the host on the wrong Redis
        log_b = topology.processes[1].log.read_text(errors="replace")
        assert "not published" in log_b and "Traceback" not in log_b, log_b[-3000:]
        for process in topology.processes:
            said = process.log.read_text(errors="replace")
            assert not any(f"{name} is unset" in said for name in SHARED_DEFAULTS), said[-3000:]
    finally:
        topology.stop()
