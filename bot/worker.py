"""The Celery worker process: every registered job becomes a task "parcelbot.<name>", Redis is the broker.

    celery -A bot.worker worker -B --loglevel=info       # -B: also run the periodic schedule (beat)

Each worker process builds one Runtime from the environment the first time it runs a job (not at import,
and not before a fork), through the same composition root as the web process (bot/runtime.py). Jobs don't
read messages, so the NLU model is loaded only if something parses. This module imports the runtime and
is never imported by it.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from celery import Celery

from bot.config import Settings, warn_per_process
from bot.jobs import JOBS
from bot.jobs.queue import DEFAULT_QUEUE
from bot.jobs.registry import JobContext, JobFunc
from bot.jobs.schedule import schedule_for
from bot.runtime import Runtime, build_runtime


def make_celery(settings: Settings, *, runtime: Runtime | None = None, queue: str | None = None) -> Celery:
    """The worker's Celery app. `runtime` (tests) is used as is; otherwise one is built on first use."""
    app = Celery("parcelbot", broker=settings.broker_url)
    queue = queue or settings.celery_queue or DEFAULT_QUEUE
    app.conf.update(
        task_default_queue=queue,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # a worker killed mid-job leaves the job for another one
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        beat_schedule={
            p.job.replace("_", "-"): {"task": f"parcelbot.{p.job}", "schedule": p.every_seconds}
            for p in schedule_for(settings)
        },
        timezone="UTC",
    )
    holder = _RuntimeHolder(settings, runtime)
    for name, fn in sorted(JOBS.items()):
        _register(app, holder, name, fn)
    return app


class _RuntimeHolder:
    def __init__(self, settings: Settings, runtime: Runtime | None) -> None:
        self.settings = settings
        self._runtime = runtime
        self._lock = threading.Lock()

    def get(self) -> JobContext:
        with self._lock:
            if self._runtime is None:
                self._runtime = build_runtime(self.settings, lazy_nlu=True)
            return self._runtime


def _register(app: Celery, holder: _RuntimeHolder, name: str, fn: JobFunc) -> None:
    @app.task(name=f"parcelbot.{name}", shared=False)  # each app its own runtime (tests build several)
    def run(**kwargs: Any) -> Any:
        return fn(holder.get(), **kwargs)


def __getattr__(attr: str) -> Any:
    """`celery -A bot.worker` looks up `app`: built on first access, from the environment."""
    if attr in {"app", "celery"}:
        global _app
        if _app is None:
            settings = Settings.from_env(os.environ)
            warn_per_process(settings)  # a shared setting left to this process's own default: say which
            _app = make_celery(settings)
        return _app
    raise AttributeError(attr)


_app: Celery | None = None
