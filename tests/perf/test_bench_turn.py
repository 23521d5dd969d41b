"""`parcelbot bench turn`'s counting, on a few real conversations (SQLite file; no timing is asserted)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bot.cli.load.turn import measure

pytestmark = [pytest.mark.bench, pytest.mark.sqlite_only]  # its own database file: once is enough


def test_bench_turn_counts_what_the_mixed_conversations_ask_of_the_database(tmp_path: Path):
    figures = measure(f"sqlite:///{tmp_path / 'turn.db'}", None, 30)
    assert figures.unexpected == 0, "every reply says what its step expects (a code read from the outbox included)"
    assert figures.turns >= 30
    assert figures.commits >= 1.0  # one transaction a turn, and the rare second one of a failed turn
    # SQLite counts its BEGIN IMMEDIATE too; the PostgreSQL figure is 6.56 (docs/performance.md, round 12)
    assert 4 <= figures.statements <= 12, figures
    assert figures.calls > 1000 and figures.cpu_ms > 0
    # It freezes the heap as bot/wsgi.py does, and thaws it after: this process goes on collecting its garbage
    assert gc.get_freeze_count() == 0 and figures.frozen > 0, figures
