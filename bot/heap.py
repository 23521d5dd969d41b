"""A worker's heap for the cyclic garbage collector: what a web worker loads once (the NLU model, the mappers,
the templates: about 180,000 objects in a fresh worker) lives as long as the process, yet every full
collection walks all of it, a pause that stalls every request of the worker at once. Frozen after start-up
(gc.freeze), it is left out of the collector's walks; what requests leave behind is still collected.
Used by bot/wsgi.py (the production entry point) and measured by `parcelbot bench turn`."""

from __future__ import annotations

import gc
import time


def freeze_long_lived() -> int:
    """Collect what start-up left behind, then set the rest aside for good; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def full_collection_ms() -> float:
    """How long one full collection takes now: the pause a worker's requests would wait out."""
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000
