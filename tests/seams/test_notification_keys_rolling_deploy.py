"""Found by review: migration 0012 (first version) rewrote every notification key in place ("notify:ZZ100:shipped"
-> "notify:s7:shipped"), and docs/deployment.md runs `parcelbot db upgrade` before the new code serves, so for the
whole roll the old release read a database whose keys it could no longer find: every in-transit scan an old worker
handled re-texted "on the way" to a parcel already told. Now no stored key changes: a merchant's first parcel of a
number keeps the number as its key (bot/core/notifications.py parcel_key), which every release writes.

The old worker is the release before this change, its notifications module loaded from git (512b676)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import bot.services.ingest as ingest
from backend import models as m
from bot.core.outbox import queue_message
from tests.api.support import api_key, auth, event, interpreter, shipment  # noqa: F401 - fixtures
from tests.test_notifications import DAYTIME, Y, clock, outbox, push  # noqa: F401 - fixtures

BEFORE = "512b676"


def _old_notifications(tmp_path: Path):  # noqa: ANN202
    source = subprocess.run(["git", "show", f"{BEFORE}:bot/core/notifications.py"], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    path = tmp_path / "old_notifications.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_notifications_512b676", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.queue_message = _old_queue_message  # what that release's outbox answered: None for a taken key
    return module


def _old_queue_message(*args, **kwargs) -> m.Message | None:  # noqa: ANN002, ANN003
    """The outbox as the old release had it (a whole release rolls at once, its outbox with its notifications)."""
    queued = queue_message(*args, **kwargs)
    return None if queued.existed else queued.message


def test_an_old_worker_during_the_roll_does_not_text_on_the_way_again(client, auth, runtime, clock, tmp_path,  # noqa: ANN001, F811
                                                                       monkeypatch):
    body = shipment(eta={"start": f"{Y}-11-23T12:00:00+00:00", "end": f"{Y}-11-23T16:00:00+00:00"})
    number = body["tracking_number"]
    assert client.post("/api/v1/shipments", json=body, headers=auth).status_code == 201
    push(client, auth, number, "in_transit", DAYTIME - timedelta(hours=3))  # told, under the 0012 form of key
    assert len(outbox(runtime)) == 1
    monkeypatch.setattr(ingest, "notifications", _old_notifications(tmp_path))  # a host not yet rolled
    push(client, auth, number, "exception", DAYTIME - timedelta(hours=2))  # held up at the depot ("delayed")
    push(client, auth, number, "in_transit", DAYTIME - timedelta(hours=1))  # moving again
    bodies = [msg.body for msg in outbox(runtime)]
    assert sum("on the way" in b for b in bodies) == 1, f"'on the way' texted again by an old worker: {bodies}"
