"""The load benchmark stands in for autovacuum's ANALYZE when the server has autovacuum off (bot/cli/load/
autoanalyze.py): without it, plans made on the run's empty tables were kept as they grew, and every turn read the
whole conversations table. It analyzes a table once autovacuum would, and not before."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from bot.cli.load.autoanalyze import STOOD_IN, Analyzer, analyze_due

pytestmark = pytest.mark.skipif(not os.environ.get("PARCELBOT_TEST_DATABASE_URL"), reason="PostgreSQL's statistics")


def test_a_table_past_autovacuums_threshold_is_analyzed_and_one_below_it_is_not():
    engine = create_engine(os.environ["PARCELBOT_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_grown, bench_still"))
        conn.execute(text("CREATE TABLE bench_grown (id int); CREATE TABLE bench_still (id int)"))
        try:
            conn.execute(text("ANALYZE bench_grown; ANALYZE bench_still"))
            threshold = float(conn.scalar(text("SELECT current_setting('autovacuum_analyze_threshold')")))
            conn.execute(text(f"INSERT INTO bench_grown SELECT generate_series(1, {int(threshold) + 20})"))
            conn.execute(text(f"INSERT INTO bench_still SELECT generate_series(1, {int(threshold) // 2})"))
            conn.execute(text("SELECT pg_stat_force_next_flush()"))
            analyzer = Analyzer(STOOD_IN)
            analyze_due(conn, analyzer)
            conn.execute(text("SELECT pg_stat_force_next_flush()"))
            assert analyzer.analyzed.get("bench_grown") == 1 and "bench_still" not in analyzer.analyzed
            assert conn.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'bench_grown'")) > threshold
            analyze_due(conn, analyzer)  # analyzed: nothing is due until it changes again
            assert analyzer.analyzed["bench_grown"] == 1
            assert analyzer.as_json()["tables_analyzed"]["bench_grown"] == 1  # (other tests' tables may be due too)
            assert analyzer.as_json()["autovacuum"].startswith("off")
        finally:
            conn.execute(text("DROP TABLE IF EXISTS bench_grown, bench_still"))
    engine.dispose()
