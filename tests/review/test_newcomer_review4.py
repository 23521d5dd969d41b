"""Fourth review, as a newcomer following README.md and docs/ literally: the `parcelbot` command with arguments an
operator gets wrong. The module's promise (bot/cli/__init__.py): "problems on stderr with a non-zero exit; never a
traceback for a mistake the operator can fix". Each test failed before its fix (review 4)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL
from tests.test_cli import PARCELBOT, run

UNREACHABLE = ["--database-url", "postgresql+psycopg://postgres@127.0.0.1:9/none", "--redis-url", "redis://127.0.0.1:9/0"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_a_port_past_65535_instead_of_serving_on_another(env, tmp_path):
    port = _free_port() + 65536
    proc = subprocess.Popen([*PARCELBOT, "serve", "--port", str(port)], env={**os.environ, **env}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, said = time.monotonic() + 90, ""
        while time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            said += line
            if "is running on" in line:
                break
        running = proc.poll() is None
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    assert not running, f"serving, having said: {said.strip()[:200]}"
    assert proc.returncode == 2 and "port" in err.lower() and "Traceback" not in err, err[-600:]


@pytest.mark.sqlite_only  # refused before any database is opened: one pass is enough
@pytest.mark.parametrize("args", [["--rates", "abc"], ["--rates", "-50"], ["--seconds", "-1"]],
                         ids=["rates-not-numbers", "rates-negative", "seconds-negative"])
def test_bench_load_refuses_rates_and_lengths_it_cannot_run(env, tmp_path, args):
    result = run(env, "bench", "load", *args, *UNREACHABLE, "--no-floor", "--out", str(tmp_path / "bench"))
    assert result.returncode == 2, result.stderr[-600:]
    assert "Traceback" not in result.stderr and args[0] in result.stderr, result.stderr[-600:]


@pytest.mark.sqlite_only  # refused before any database is opened: one pass is enough
def test_bench_turn_refuses_a_profile_path_it_cannot_write_before_it_runs(env, tmp_path):
    result = run(env, "bench", "turn", "--profile", str(tmp_path / "no-such-dir" / "turn.prof"), *UNREACHABLE)
    assert result.returncode == 2, result.stderr[-600:]
    assert "--profile" in result.stderr and "Traceback" not in result.stderr, result.stderr[-600:]


@pytest.mark.sqlite_only  # refused before any database is opened: one pass is enough
@pytest.mark.parametrize("args", [
    ["serve", "--port", "0"], ["bench", "engine", "-n", "0"], ["bench", "engine", "--threads", "-1"],
    ["bench", "turn", "-n", "0", *UNREACHABLE], ["bench", "load", "--rates", "0", *UNREACHABLE],
    ["bench", "load", "--seconds", "nan", *UNREACHABLE], ["bench", "load", "--max-seconds", "-1", *UNREACHABLE],
    ["bench", "load", "--workers", "0", *UNREACHABLE], ["bench", "load", "--concurrency", "0", *UNREACHABLE],
], ids=lambda a: " ".join(a[:4]))
def test_every_count_length_and_port_option_is_checked_before_anything_runs(env, args):
    """The class of the three above: a number the command can't use is a usage error naming its option."""
    result = run(env, *args)
    option = next(a for a in args if a.startswith("-") and a not in ("-1",))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-600:]
    assert option in result.stderr, result.stderr[-600:]


@pytest.fixture
def fresh_db_url(tmp_path):  # noqa: ANN001, ANN201
    """An empty database of this test's own: a schema of the PostgreSQL test database, else a new SQLite file."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    schema = f"review4_{os.getpid()}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def test_two_db_upgrades_at_once_end_at_head_with_no_traceback_nor_a_false_cant_be_reached(env, fresh_db_url):
    for _attempt in range(3):  # the race needs both to overlap; they did in every try on the review machine
        if fresh_db_url.startswith("sqlite:///"):
            path = fresh_db_url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        else:
            schema = fresh_db_url.rsplit("%3D", 1)[1]
            engine = create_engine(PG_URL)
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            engine.dispose()
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: run({**env, "DATABASE_URL": fresh_db_url}, "db", "upgrade"), range(2)))
        for result in results:
            assert "Traceback" not in result.stderr, result.stderr[-600:]
            assert result.returncode == 0 or "can't be reached" not in result.stderr, result.stderr
        assert run({**env, "DATABASE_URL": fresh_db_url}, "db", "upgrade").returncode == 0
