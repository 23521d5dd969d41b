"""Autovacuum's ANALYZE, done by the benchmark when the server it runs against has autovacuum off.

Why: every run starts from empty tables, and the bot's tables (conversations, contacts, messages) grow by tens of
thousands of rows during it. PostgreSQL plans a prepared statement once its generic plan is as cheap as a custom
one, and keeps that plan until something invalidates it, such as an ANALYZE. With autovacuum off (as the
PostgreSQL of these development machines is configured) nothing ever does: plans made when a table had a few
pages (a sequential scan even for `WHERE id = $1`) are kept while the table grows, and every turn reads the whole
conversations table, twice. A production server runs autovacuum, which analyzes a table once
`autovacuum_analyze_threshold + autovacuum_analyze_scale_factor * rows` of it have changed; this does the same,
with the server's own settings, from a thread of the benchmark, so the figures are those of a server configured
as production is, not of a missing ANALYZE. With autovacuum on it does nothing. The run's JSON says which.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

EVERY = 5.0  # seconds between looks; autovacuum's own naptime is 60 s per database, but its workers start at once
# for a table past its threshold, and a 15-second step would otherwise see none

DUE = text("""
    SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema()
      AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float
          + current_setting('autovacuum_analyze_scale_factor')::float * greatest(c.reltuples, 0)
""")


STOOD_IN = "off: the benchmark analyzed as autovacuum would"
DECLINED = "off, and nothing stood in for it (--no-autoanalyze)"


@dataclass
class Analyzer:
    """What the stand-in did: what the run's JSON says of autovacuum ("on", STOOD_IN or DECLINED), and the tables
    it analyzed, how often."""

    autovacuum: str = "on"
    analyzed: dict[str, int] = field(default_factory=dict)

    @property
    def standing_in(self) -> bool:
        return self.autovacuum == STOOD_IN

    def as_json(self) -> dict[str, object]:
        return {"autovacuum": self.autovacuum, "tables_analyzed": dict(sorted(self.analyzed.items()))}


def analyze_due(conn, analyzer: Analyzer) -> None:  # noqa: ANN001
    """One look: ANALYZE each table past autovacuum's threshold."""
    for (name,) in conn.execute(DUE).all():
        conn.execute(text(f'ANALYZE "{name}"'))
        analyzer.analyzed[name] = analyzer.analyzed.get(name, 0) + 1


@contextlib.contextmanager
def standing_in(database_url: str, every: float = EVERY, *, off: bool = False) -> Iterator[Analyzer]:
    """While the block runs: analyze as autovacuum would, if the server's autovacuum is off (PostgreSQL only).
    `off`: don't, and say so in the run's JSON."""
    analyzer = Analyzer(DECLINED if off else "on")
    if not database_url.startswith("postgresql"):
        yield analyzer
        return
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT", pool_size=1)
    with engine.connect() as conn:
        if conn.scalar(text("SHOW autovacuum")) != "off":
            analyzer.autovacuum = "on"
        elif not off:
            analyzer.autovacuum = STOOD_IN
    stop = threading.Event()

    def loop() -> None:
        with engine.connect() as conn:
            while not stop.wait(every):
                with contextlib.suppress(DBAPIError):  # a table dropped or locked meanwhile: the next look
                    analyze_due(conn, analyzer)

    thread = threading.Thread(target=loop, name="autoanalyze", daemon=True)
    if analyzer.standing_in:
        thread.start()
    try:
        yield analyzer
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(timeout=30)
        engine.dispose()
