"""psycopg 3's cursor, with a `description` that builds its Column objects only when someone reads them.

psycopg builds the whole `description` afresh on every read: a Column object per result column, each asking the
result for its name, type, modifier and size and looking its type up (about eight Python calls a column).
SQLAlchemy reads it once per statement, and for a statement it has run before (every statement of a turn: they
are cached) it only asks whether it is None: the result's columns are already known from the compiled statement.
A turn's statements return about sixty columns between them (the merchant's and the conversation's rows, a
parcel with its events), so that was about 480 Python calls of a turn's 7,400 spent building lists nobody read
(docs/performance.md, round 10).

This cursor answers the same question the same way (None when the result has no rows to give, as psycopg says)
and otherwise hands back a sequence of the same Column objects, made from the same result on first use: a
statement SQLAlchemy has not seen before, or anyone else who looks, gets exactly what psycopg would have given.
Used by backend/db.make_engine for `postgresql+psycopg` URLs (connect_args' `cursor_factory`, psycopg's own way
to choose the cursor class).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg import Column, Cursor, pq

# `Column(cursor, index)` is psycopg's own, not its documented API: used only with the versions it was read and tested
# against (3.1 to 3.3); any other version keeps psycopg's cursor as it is (backend/db.make_engine).
SUPPORTED = tuple(int(p) for p in psycopg.__version__.split(".")[:2]) in {(3, 1), (3, 2), (3, 3)}

# The statuses psycopg describes even when there are no columns (its own description property's test).
_TUPLES = frozenset(getattr(pq.ExecStatus, name) for name in ("TUPLES_OK", "SINGLE_TUPLE", "TUPLES_CHUNK")
                    if hasattr(pq.ExecStatus, name))


class _AsOf:
    """The cursor as it was when its description was read: that result, the cursor's encoding and adapters.
    Only needed if the cursor has moved on to another result before the columns are made."""

    def __init__(self, cursor: Cursor[Any], pgresult: Any) -> None:
        self._cursor = cursor
        self.pgresult = pgresult

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class LazyDescription(Sequence[Column]):
    """A result's columns, as psycopg's `Cursor.description` lists them, made on first read of any of them."""

    __slots__ = ("_columns", "_count", "_cursor", "_result")

    def __init__(self, cursor: Cursor[Any], result: Any, count: int) -> None:
        self._cursor, self._result, self._count = cursor, result, count
        self._columns: list[Column] | None = None

    def _made(self) -> list[Column]:
        if self._columns is None:
            cursor = self._cursor
            source: Any = cursor if cursor.pgresult is self._result else _AsOf(cursor, self._result)
            self._columns = [Column(source, i) for i in range(self._count)]
        return self._columns

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[Column]: ...

    def __getitem__(self, index: int | slice) -> Column | list[Column]:
        return self._made()[index]

    def __iter__(self) -> Iterator[Column]:
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        return self._made() == (list(other) if isinstance(other, LazyDescription) else other)

    __hash__ = None  # type: ignore[assignment]  # a list's isn't hashable either

    def __repr__(self) -> str:
        return repr(self._made())


class LazyDescriptionCursor(Cursor[Any]):
    """psycopg's Cursor; only `description` differs, in when its Column objects are made (module docstring)."""

    __slots__ = ()

    @property
    def description(self) -> LazyDescription | None:  # type: ignore[override]
        res = self.pgresult
        if not res:
            return None
        count = res.nfields
        if not count and res.status not in _TUPLES:
            return None
        return LazyDescription(self, res, count)
