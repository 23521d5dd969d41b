"""Fixtures for the performance tests: count what a turn asks of the database (statements, commits)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bench: runs a tiny real load (seconds); deselect with -m 'not bench'")


@dataclass
class SqlCount:
    statements: list[str] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0

    def reset(self) -> None:
        self.statements.clear()
        self.commits = self.rollbacks = 0

    def queries(self) -> list[str]:
        """The statements that are not transaction control (SQLite's BEGIN IMMEDIATE, savepoints)."""
        control = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK TO")
        return [s for s in self.statements if not s.lstrip().upper().startswith(control)]


@pytest.fixture
def sql_count() -> Iterator[SqlCount]:
    """Every statement, commit and rollback of every engine in this process while the test runs."""
    count = SqlCount()

    def statement(_conn, _cursor, text, *_args) -> None:  # noqa: ANN001
        count.statements.append(text)

    def commit(_conn) -> None:  # noqa: ANN001
        count.commits += 1

    def rollback(_conn) -> None:  # noqa: ANN001
        count.rollbacks += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    event.listen(Engine, "rollback", rollback)
    yield count
    event.remove(Engine, "before_cursor_execute", statement)
    event.remove(Engine, "commit", commit)
    event.remove(Engine, "rollback", rollback)
