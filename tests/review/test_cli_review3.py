"""Third review of the `parcelbot` command with bad input and a database it cannot reach. The module's promise
(bot/cli/__init__.py): "problems on stderr with a non-zero exit; never a traceback for a mistake the operator can
fix"."""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL
from tests.test_cli import run


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/no-such-dir/parcelbot.db",
                                 "postgresql+psycopg://postgres@127.0.0.1:9/parcelbot"],
                         ids=["sqlite-unopenable", "postgresql-refused"])
def test_a_command_against_a_database_it_cannot_reach_says_so_without_a_traceback(env, tmp_path, url):
    result = run({**env, "DATABASE_URL": url.format(tmp=tmp_path)}, "merchant", "list")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-600:]


@pytest.mark.skipif(not PG_URL, reason="SQLite does not enforce VARCHAR lengths: the name is stored")
def test_merchant_add_with_a_name_longer_than_the_column_is_refused_clearly(env):
    assert run(env, "db", "upgrade").returncode == 0
    result = run(env, "merchant", "add", "acme", "--name", "x" * 300, "--sms-number", "+447700900500")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-600:]
