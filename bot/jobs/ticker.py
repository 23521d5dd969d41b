"""Running the schedule in-process: one daemon thread per web process when jobs are inline.

With Celery, beat runs the same schedule (bot/jobs/schedule.py) and no thread is started.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from bot.jobs.registry import JOBS, JobContext
from bot.jobs.schedule import Periodic, schedule_for

log = logging.getLogger(__name__)


@dataclass
class Ticker:
    thread: threading.Thread
    stopped: threading.Event

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped.set()
        self.thread.join(timeout)


def start_ticker(ctx: JobContext, *, schedule: tuple[Periodic, ...] | None = None, tick: float = 1.0,
                 interval: float | None = None) -> Ticker:
    """Run each periodic job when it is due (the schedule with the operator's intervals unless given). `interval`
    (tests) makes every job due that often."""
    schedule = schedule_for(ctx.settings) if schedule is None else schedule
    stopped = threading.Event()
    last: dict[str, float] = {}

    def loop() -> None:
        while not stopped.is_set():
            now = time.monotonic()
            for periodic in schedule:
                every = interval if interval is not None else periodic.every_seconds
                if now - last.get(periodic.job, float("-inf")) >= every:
                    last[periodic.job] = now
                    _run(ctx, periodic.job)
            stopped.wait(interval if interval is not None else tick)

    thread = threading.Thread(target=loop, name="parcelbot-ticker", daemon=True)
    thread.start()
    return Ticker(thread, stopped)


def _run(ctx: JobContext, name: str) -> None:
    try:
        JOBS[name](ctx)
    except Exception:
        log.exception("periodic job %s failed", name)
