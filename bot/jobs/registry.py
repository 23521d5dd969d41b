"""The job table and what every job is given.

A job is a function registered by name that takes a JobContext and JSON-able keyword arguments only, so the
same job runs unchanged on a thread of the web process (the embedded default) or in a Celery worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.events import EventSink
from bot.core.links import LinkSigner
from bot.core.ports import BackendFactory, Clock, JobQueue, Sender
from bot.core.spool import MessageSpool
from bot.core.uow import UnitOfWork
from bot.core.wording import Wording
from bot.engine import Engine
from bot.services import Services

JobFunc = Callable[..., Any]
JOBS: dict[str, JobFunc] = {}


class JobContext(Protocol):
    """What a job may use: everything the composition root built. Only replay_kept uses the engine (it answers the
    messages kept while the database was away); other jobs read no messages."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def jobs(self) -> JobQueue: ...
    @property
    def sender(self) -> Sender: ...
    @property
    def backends(self) -> BackendFactory: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def links(self) -> LinkSigner: ...
    @property
    def events(self) -> EventSink: ...
    @property
    def wording(self) -> Wording: ...
    @property
    def services(self) -> Services: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def spool(self) -> MessageSpool | None: ...

    def uow(self) -> UnitOfWork:
        """A unit of work: its jobs and events go out only after it commits."""


def job(name: str) -> Callable[[JobFunc], JobFunc]:
    def register(fn: JobFunc) -> JobFunc:
        if name in JOBS and JOBS[name] is not fn:
            raise ValueError(f"job {name!r} registered twice")
        JOBS[name] = fn
        return fn

    return register
