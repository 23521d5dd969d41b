"""Everything a process needs, built once from Settings: database, NLU, engine, jobs, links."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

from backend.db import make_engine, make_session_factory
from bot.config import Settings
from bot.engine import Engine
from bot.jobs import CeleryJobs, InlineJobs
from bot.links import LinkSigner

log = logging.getLogger(__name__)


def load_nlu(settings: Settings, *, train_if_missing: bool = True) -> Any:
    import intents

    if settings.nlu_backend == "rasa":
        return intents.load_interpreter("rasa", rasa_url=settings.rasa_url)
    model: Path = settings.nlu_model_path
    if not (model.exists() and any(model.iterdir())):
        if not train_if_missing:
            raise FileNotFoundError(f"no NLU model at {model}: run `parcelbot nlu train`")
        log.info("no NLU model at %s: training one from %s", model, intents.default_training_paths())
        intents.train(intents.default_training_paths(), model)
    return intents.load_interpreter("embedded", model_path=model)


@dataclass
class Runtime:
    settings: Settings
    db: DbEngine
    sessions: sessionmaker[Session]
    engine: Engine
    links: LinkSigner
    jobs: Any = field(default=None)

    def enqueue(self, name: str, **kwargs: Any) -> None:
        self.jobs.enqueue(name, **kwargs)


def build_runtime(settings: Settings, *, interpreter: Any = None, synchronous_jobs: bool = False) -> Runtime:
    db = make_engine(settings.database_url)
    sessions = make_session_factory(db)
    nlu = interpreter if interpreter is not None else load_nlu(settings)
    links = LinkSigner(settings.secret_key, settings.public_base_url or "http://127.0.0.1:8000")
    runtime = Runtime(settings=settings, db=db, sessions=sessions, engine=None, links=links)  # type: ignore[arg-type]
    from bot.celery_app import load_job_modules

    load_job_modules()  # every @job is registered before anything is enqueued
    if settings.job_backend == "celery":
        from bot.celery_app import make_celery

        runtime.jobs = CeleryJobs(make_celery(settings))
    else:
        runtime.jobs = InlineJobs(runtime, synchronous=synchronous_jobs)
    runtime.engine = Engine(settings, sessions, nlu, enqueue=runtime.enqueue)
    return runtime
