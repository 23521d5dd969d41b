"""The production topology's processes for a test: its own queue and event channels on the shared Redis."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.scaleout.kit import REDIS_URL
from tests.scaleout.topology import Topology


@pytest.fixture
def topology(env: dict[str, str], nlu_model: Path, tmp_path: Path):  # noqa: ANN201
    run = uuid.uuid4().hex[:8]  # this run's own queue and event channels on the shared Redis
    shared = {**env, "PARCELBOT_NLU_MODEL": str(nlu_model), "PARCELBOT_JOBS": "celery", "PARCELBOT_EVENTS": "redis",
              "REDIS_URL": REDIS_URL, "CELERY_BROKER_URL": REDIS_URL, "PARCELBOT_CELERY_QUEUE": f"scaleout-{run}",
              "PARCELBOT_EVENTS_PREFIX": f"scaleout-{run}:events"}
    shared.pop("PARCELBOT_DATA_DIR")  # each host its own
    topo = Topology(shared, tmp_path / "hosts")
    try:
        yield topo
    finally:
        topo.stop()
