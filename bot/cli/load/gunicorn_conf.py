"""gunicorn settings for the benchmark's web workers: the probe (probe.py) in each worker, nothing else.

`gunicorn -c python:bot.cli.load.gunicorn_conf ...`; PARCELBOT_BENCH_PROBE_DIR names the directory the
workers export their counters to. Without it the hooks do nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def post_worker_init(worker: Any) -> None:
    """After the app is loaded in the worker: count its statements and turns, export them."""
    out = os.environ.get("PARCELBOT_BENCH_PROBE_DIR")
    if not out:
        return
    from bot.cli.load.probe import Probe

    probe = Probe(Path(out))
    probe.install()
    worker.wsgi = probe.wrap(worker.wsgi)
    probe.start()
