"""Background work (outbound sends, retries, notifications) behind one small interface.

The embedded default runs jobs in-process on a small thread pool, so `parcelbot serve` needs nothing
else running. Production sets PARCELBOT_JOBS=celery and starts workers against Redis:
`celery -A bot.celery_app worker`. Jobs are registered by name and take JSON-able arguments only,
so the same job runs unchanged on either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

log = logging.getLogger(__name__)

JobFunc = Callable[..., Any]
JOBS: dict[str, JobFunc] = {}


def job(name: str) -> Callable[[JobFunc], JobFunc]:
    def register(fn: JobFunc) -> JobFunc:
        JOBS[name] = fn
        return fn

    return register


class JobQueue(Protocol):
    def enqueue(self, name: str, **kwargs: Any) -> None: ...


class InlineJobs:
    """In-process jobs. `synchronous=True` (tests, the CLI) runs them at once, in the caller's thread."""

    def __init__(self, runtime: Any, *, synchronous: bool = False, workers: int = 4) -> None:
        self.runtime = runtime
        self.synchronous = synchronous
        self._pool = None if synchronous else ThreadPoolExecutor(workers, thread_name_prefix="parcelbot-job")
        self.futures: list[Future] = []

    def enqueue(self, name: str, **kwargs: Any) -> None:
        fn = JOBS[name]
        if self._pool is None:
            self._run(fn, name, kwargs)
            return
        self.futures = [f for f in self.futures if not f.done()]
        self.futures.append(self._pool.submit(self._run, fn, name, kwargs))

    def _run(self, fn: JobFunc, name: str, kwargs: dict[str, Any]) -> None:
        try:
            fn(self.runtime, **kwargs)
        except Exception:
            log.exception("job %s failed", name)

    def drain(self, timeout: float = 30) -> None:
        for f in list(self.futures):
            f.result(timeout=timeout)


class CeleryJobs:
    def __init__(self, celery_app: Any) -> None:
        self.app = celery_app

    def enqueue(self, name: str, **kwargs: Any) -> None:
        self.app.send_task(f"parcelbot.{name}", kwargs=kwargs)
