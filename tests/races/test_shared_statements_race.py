"""A fresh worker's first requests arriving together must not break a statement for the worker's whole life.

Found by `bench load`: one of two gunicorn workers answered every message with the apology for a whole run,
`NoSuchColumnError: Could not locate column in row for column 'conversation.id'`. The turn's first statement (the
merchant and the shopper's conversation, locked in an aliased LATERAL) is built once at import and shared by every
thread; SQLAlchemy works out the alias's columns on first use, without a lock, so two threads compiling it at
once each made their own, the engine cached one and the statement kept the other. `backend.db.shared` compiles
such statements at import, before any request thread exists.

Each round is a fresh interpreter (a fresh import is what a new worker has), with a tiny GIL switch interval so
the threads really interleave inside SQLAlchemy, and 16 threads released together on their first query. Before
the fix, 11 rounds in 15 broke; three clean rounds in a row then happen about one time in fifty.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not os.environ.get("PARCELBOT_TEST_DATABASE_URL"),
                                reason="the LATERAL statement is PostgreSQL's (SQLite's has no shared alias)")

ROUND = textwrap.dedent("""
    import sys, threading
    sys.setswitchinterval(1e-6)
    from backend.db import make_engine, make_session_factory
    from bot.core.conversations import ConversationStore

    url, merchant_id = sys.argv[1], int(sys.argv[2])
    sessions, store, threads = make_session_factory(make_engine(url)), ConversationStore(), 12
    ready, failed = threading.Barrier(threads), []

    def first_query(i):
        with sessions() as session:
            session.begin()
            session.connection()  # connected before the barrier: only the query itself races
            ready.wait()
            try:
                store.find_with_merchant(session, merchant_id, "sms", f"+4477007{i:05d}")
            except Exception as exc:
                failed.append(type(exc).__name__)
            session.rollback()

    workers = [threading.Thread(target=first_query, args=(i,)) for i in range(threads)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    with sessions() as session, session.begin():  # and afterwards, one at a time, as the worker goes on
        try:
            store.find_with_merchant(session, merchant_id, "sms", "+447700700000")
        except Exception as exc:
            failed.append("afterwards:" + type(exc).__name__)
    print(",".join(failed) or "ok")
""")


def test_threads_running_a_shared_statement_for_the_first_time_together_all_get_their_rows(demo):  # noqa: ANN001
    url = os.environ["PARCELBOT_TEST_DATABASE_URL"]
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", ROUND, url, str(demo.id)], capture_output=True, text=True,
                              timeout=120, cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "ok", done.stdout + done.stderr[-1000:]
