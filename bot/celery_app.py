"""Celery for production: every registered job becomes a task "parcelbot.<name>", with Redis as the broker.

Start a worker (with the beat scheduler for the periodic jobs) with:

    celery -A bot.celery_app worker -B --loglevel=info

Each worker process builds one Runtime from the environment the first time it runs a job (not at import,
and not before a fork). Jobs take JSON-able keyword arguments only, so they run unchanged in-process too.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from typing import Any

from celery import Celery

from bot.config import REPO_ROOT, Settings
from bot.jobs import JOBS

log = logging.getLogger(__name__)

JOB_PACKAGES = ("bot", "backend", "dialogues", "channels")
SEND_EVERY_SECONDS = 30.0
RETRY_EVERY_SECONDS = 60.0
DEFAULT_QUEUE = "parcelbot"


def job_modules() -> list[str]:
    """Every module that registers a job (says "@job(" in its source), so a worker knows every task
    the web process may send, without anyone keeping a list."""
    found = []
    for package in JOB_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts and "@job(" in path.read_text(encoding="utf-8"):
                found.append(".".join(path.relative_to(REPO_ROOT).with_suffix("").parts))
    return [name for name in found if name != __name__]


def load_job_modules() -> None:
    for name in job_modules():
        importlib.import_module(name)


class _LazyInterpreter:
    """Jobs don't read messages: load the NLU model only if something actually parses."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._loaded: Any = None

    def parse(self, text: str, context: Any) -> Any:
        if self._loaded is None:
            from bot.runtime import load_nlu

            self._loaded = load_nlu(self._settings)
        return self._loaded.parse(text, context)


def make_celery(settings: Settings, *, runtime: Any = None, queue: str | None = None) -> Celery:
    """The Celery app. `runtime` (tests) is used as is; otherwise one is built from `settings` on first use."""
    load_job_modules()
    app = Celery("parcelbot", broker=settings.broker_url)
    queue = queue or os.environ.get("PARCELBOT_CELERY_QUEUE") or DEFAULT_QUEUE
    app.conf.update(
        task_default_queue=queue,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # a worker killed mid-job leaves the job for another one
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        beat_schedule=_beat_schedule(),
        timezone="UTC",
    )
    holder = _RuntimeHolder(settings, runtime)
    for name, fn in sorted(JOBS.items()):
        _register(app, holder, name, fn)
    return app


def _beat_schedule() -> dict[str, dict[str, Any]]:
    schedule = {"send-outbox": {"task": "parcelbot.send_outbox", "schedule": SEND_EVERY_SECONDS}}
    if "retry_pending" in JOBS:
        schedule["retry-pending"] = {"task": "parcelbot.retry_pending", "schedule": RETRY_EVERY_SECONDS}
    if "purge_delivered_secrets" in JOBS:
        schedule["purge-secrets"] = {"task": "parcelbot.purge_delivered_secrets", "schedule": 3600}
    return schedule


class _RuntimeHolder:
    def __init__(self, settings: Settings, runtime: Any) -> None:
        self.settings = settings
        self._runtime = runtime
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._runtime is None:
                from bot.runtime import build_runtime

                self._runtime = build_runtime(self.settings, interpreter=_LazyInterpreter(self.settings))
            return self._runtime


def _register(app: Celery, holder: _RuntimeHolder, name: str, fn: Any) -> None:
    @app.task(name=f"parcelbot.{name}", shared=False)  # each app its own runtime (tests build several)
    def run(**kwargs: Any) -> Any:
        return fn(holder.get(), **kwargs)


def __getattr__(attr: str) -> Any:
    """`celery -A bot.celery_app` looks up `app`: built on first access, from the environment."""
    if attr in {"app", "celery"}:
        global _app
        if _app is None:
            _app = make_celery(Settings.from_env())
        return _app
    raise AttributeError(attr)


_app: Celery | None = None
