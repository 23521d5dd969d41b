"""The production worker sets its long-lived objects aside from the cyclic collector (bot/wsgi.py): left in, every
full collection walks the NLU model, the mappers and the compiled statements, a pause that stalls every request of
the worker at once. Checked in a fresh process, as gunicorn imports it; the pause itself is a benchmark's business
(docs/performance.md), not a test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json
import bot.wsgi
frozen = gc.get_freeze_count()
gc.collect()
print(json.dumps({"frozen": frozen, "tracked": len(gc.get_objects()), "enabled": gc.isenabled()}))
"""


def test_the_worker_freezes_what_it_loaded_and_keeps_collecting(env: dict[str, str], nlu_model: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **env, "PARCELBOT_JOBS": "inline", "PARCELBOT_NLU_MODEL": str(nlu_model)},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["enabled"]  # the collector still runs: what requests leave behind is collected
    # The app, its model and its mappers are frozen; what the collector still walks is a small part of it.
    assert figures["frozen"] > 50_000, figures
    assert figures["tracked"] < figures["frozen"] / 5, figures
