"""The unit of work: one transaction, and the jobs and events it asks for, released only after it commits.

    with UnitOfWork(sessions, jobs=..., events=...) as uow:
        uow.session.add(...)               # state, replies, audit, outbox: all in one transaction
        uow.enqueue("send_outbox")         # started only once the rows are committed (a worker finds them)
        uow.publish(MessageStored(...))    # announced only once it is true

A rolled-back unit of work starts no job and announces nothing; so does a rolled-back savepoint inside it
(`with uow.savepoint():`), while what came before the savepoint still goes. Releasing never fails the
caller: the transaction has committed, a job that can't be queued is picked up by the periodic schedule,
and an event that can't be published is re-read from the database by whoever needed it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from bot.core.events import DomainEvent, EventSink
from bot.core.ports import JobQueue, ServiceAway

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    jobs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    def take(self, other: _Batch) -> None:
        self.jobs += other.jobs
        self.events += other.events


class UnitOfWork:
    def __init__(self, sessions: sessionmaker[Session], *, jobs: JobQueue, events: EventSink) -> None:
        self._sessions = sessions
        self._jobs = jobs
        self._events = events
        self._batches: list[_Batch] = []
        self._session: Session | None = None
        self._tx: SessionTransaction | None = None
        self.released: _Batch | None = None  # what went out after commit (tests, logs)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it as `with uow:`")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._tx = self._session.begin()
        self._batches = [_Batch()]
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session, tx = self.session, self._tx
        batch = self._batches[0]
        self._batches = []
        try:
            if exc_type is None and tx is not None and tx.is_active:
                tx.commit()
                committed = True
            else:
                if tx is not None and tx.is_active:
                    tx.rollback()
                committed = False
        finally:
            session.close()
            self._session = None
        if committed:
            self._release(batch)

    # -- what the work asks for ---------------------------------------------------------------------------
    def enqueue(self, name: str, **kwargs: Any) -> None:
        self._current().jobs.append((name, kwargs))

    def publish(self, event: DomainEvent) -> None:
        self._current().events.append(event)

    @contextmanager
    def savepoint(self) -> Iterator[Session]:
        """A nested transaction whose jobs and events go with it: kept if it succeeds, dropped if it raises."""
        batch = _Batch()
        self._batches.append(batch)
        try:
            with self.session.begin_nested():
                yield self.session
        except BaseException:
            self._batches.remove(batch)
            raise
        self._batches.remove(batch)
        self._current().take(batch)

    def discard(self) -> None:
        """Forget every job and event asked for so far (the work is being answered another way)."""
        for batch in self._batches:
            batch.jobs.clear()
            batch.events.clear()

    def _current(self) -> _Batch:
        if not self._batches:
            raise RuntimeError("the unit of work is not open")
        return self._batches[-1]

    def _release(self, batch: _Batch) -> None:
        self.released = batch
        unique = {(name, _freeze(kwargs)): (name, kwargs) for name, kwargs in batch.jobs}  # one nudge is enough
        for name, kwargs in unique.values():
            try:
                self._jobs.enqueue(name, **kwargs)
            except ServiceAway as away:  # an outage: one line a job, not a traceback (docs/faults.md 3)
                log.warning("couldn't queue job %s after commit (%s); the schedule will catch up", name, away)
            except Exception:
                log.warning("couldn't queue job %s after commit; the schedule will catch up", name, exc_info=True)
        if batch.events:
            try:
                self._events.publish(batch.events)
            except ServiceAway as away:
                log.warning("%s", away)
            except Exception:
                log.warning("couldn't publish %d event(s) after commit", len(batch.events), exc_info=True)


def _freeze(kwargs: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A hashable form of job arguments, so the same nudge asked twice in one unit goes out once."""
    def freeze(value: Any) -> Any:
        if isinstance(value, dict):
            return tuple(sorted((k, freeze(v)) for k, v in value.items()))
        if isinstance(value, list):
            return tuple(freeze(v) for v in value)
        return value

    return tuple(sorted((k, freeze(v)) for k, v in kwargs.items()))
