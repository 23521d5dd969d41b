"""Where enqueued jobs run: threads of this process (the embedded default) or Celery workers (production).

The choice is PARCELBOT_JOBS (bot/config.py); bot/runtime.py builds one of these. Both take the same
registered jobs with the same JSON-able arguments.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from celery import Celery
from kombu.exceptions import OperationalError

from bot.core.ports import ServiceAway
from bot.jobs.registry import JOBS, JobContext, JobFunc

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "parcelbot"


class InlineJobs:
    """In-process jobs. `synchronous=True` (tests, the CLI) runs them at once, in the caller's thread.

    Built before the context it runs jobs with (the context holds this queue): the composition root binds
    the two together once, in one place (bot/runtime.py)."""

    def __init__(self, *, synchronous: bool = False, workers: int = 4) -> None:
        self.synchronous = synchronous
        self._pool = None if synchronous else ThreadPoolExecutor(workers, thread_name_prefix="parcelbot-job")
        self._ctx: JobContext | None = None
        self.futures: list[Future] = []

    def bind(self, ctx: JobContext) -> None:
        self._ctx = ctx

    def enqueue(self, name: str, **kwargs: Any) -> None:
        fn = JOBS[name]
        if self._pool is None:
            self._run(fn, name, kwargs)
            return
        self.futures = [f for f in self.futures if not f.done()]
        self.futures.append(self._pool.submit(self._run, fn, name, kwargs))

    def _run(self, fn: JobFunc, name: str, kwargs: dict[str, Any]) -> None:
        if self._ctx is None:
            raise RuntimeError("InlineJobs used before the runtime bound it")
        try:
            fn(self._ctx, **kwargs)
        except Exception:
            log.exception("job %s failed", name)

    def drain(self, timeout: float = 30) -> None:
        for f in list(self.futures):
            f.result(timeout=timeout)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


# How long asking the broker for a job may hold a turn. A unit of work asks after its commit, inside the webhook
# Twilio waits 15 s for; a job that can't be asked for is logged and left to the periodic sweep (docs/faults.md 3).
# Without socket timeouts a Redis that stops answering (a failover, a partition dropping packets) held the
# webhook, and every gunicorn thread that met it, until Redis came back.
BROKER_SOCKET_SECONDS = 1.0
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def celery_client(broker_url: str, queue: str = DEFAULT_QUEUE) -> Celery:
    """A Celery app that only sends tasks (the web process); bot/worker.py builds the one that runs them. Its
    sockets time out, and a publish is retried once (a connection Redis closed on restart is replaced)."""
    app = Celery("parcelbot", broker=broker_url)
    app.conf.update(task_default_queue=queue, task_serializer="json", accept_content=["json"],
                    task_ignore_result=True, broker_connection_retry_on_startup=True,
                    broker_connection_timeout=BROKER_SOCKET_SECONDS,
                    broker_transport_options={"socket_timeout": BROKER_SOCKET_SECONDS,
                                              "socket_connect_timeout": BROKER_SOCKET_SECONDS},
                    task_publish_retry_policy=PUBLISH_RETRY)
    return app


class CeleryJobs:
    """Jobs sent to Celery workers by name ("parcelbot.<job>")."""

    def __init__(self, celery_app: Celery) -> None:
        self.app = celery_app

    def enqueue(self, name: str, **kwargs: Any) -> None:
        if name not in JOBS:
            raise KeyError(f"no job {name!r}")
        try:
            self.app.send_task(f"parcelbot.{name}", kwargs=kwargs)
        except (OperationalError, OSError) as exc:  # the broker away: one line for the log (docs/faults.md 3)
            raise ServiceAway(f"the queue's broker did not answer: {exc}") from None
