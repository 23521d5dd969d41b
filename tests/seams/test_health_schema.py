"""A web host on a database this code's migrations have not reached is not healthy, and says so at start-up.

Found following docs/deployment.md by hand with a host started before `parcelbot db upgrade` (a release's order
reversed, or a new database): its /healthz said {"status": "ok"} (it asked only `SELECT 1`) while every text was
answered "Sorry, something went wrong" over a traceback (relation "merchants" does not exist). The load balancer
kept it in rotation. Now it is 503 until the schema reaches this code's head, with no restart; a schema *ahead* of
the code (a newer release migrated it: the rolling deploy's normal state, docs/deployment.md) stays healthy."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from backend.migrate import upgrade
from bot.config import Settings
from bot.runtime import build_runtime
from bot.web import create_app

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.sqlite_only  # a database file of the test's own, at the revision it chooses


def _health(env: dict[str, str], interpreter, url: str):  # noqa: ANN001, ANN202
    rt = build_runtime(Settings.from_env({**env, "DATABASE_URL": url}), interpreter=interpreter)
    return rt, create_app(runtime=rt).test_client()


def test_a_database_with_no_schema_is_unhealthy_until_migrated(env, interpreter, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    rt, client = _health(env, interpreter, url)
    try:
        response = client.get("/healthz")
        assert response.status_code == 503 and response.get_json() == {"status": "unavailable",
                                                                       "database": "not migrated"}
        upgrade(url)
        assert client.get("/healthz").get_json() == {"status": "ok"}  # no restart needed
    finally:
        rt.close()


def test_a_schema_behind_the_code_is_unhealthy_and_one_ahead_is_not(env, interpreter, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0016")
    rt, client = _health(env, interpreter, url)
    try:
        assert client.get("/healthz").status_code == 503  # the code needs a later revision
        upgrade(url)
        with sqlite3.connect(tmp_path / "old.db") as db:  # a newer release migrated it past this code's head
            db.execute("UPDATE alembic_version SET version_num = '9999_a_later_release'")
        assert client.get("/healthz").get_json() == {"status": "ok"}
    finally:
        rt.close()


def test_a_web_host_started_on_an_unmigrated_database_says_so_at_start_up(tmp_path, nlu_model):
    basics = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env = {**basics, "PYTHONPATH": str(REPO), "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
           "PARCELBOT_DATA_DIR": str(tmp_path / "data"), "PARCELBOT_NLU_MODEL": str(nlu_model)}
    done = subprocess.run([sys.executable, "-c", "import bot.wsgi"], env=env, cwd=REPO,  # noqa: S603
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "parcelbot db upgrade" in done.stderr and "Traceback" not in done.stderr, done.stderr[-3000:]
