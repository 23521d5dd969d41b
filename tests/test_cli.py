"""The `parcelbot` command as an operator uses it: a real subprocess against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PARCELBOT = [sys.executable, "-m", "bot.cli"]


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PARCELBOT, *args], env={**os.environ, **env}, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_db_upgrade_and_merchant_add_list(env):
    assert run(env, "db", "upgrade").returncode == 0
    added = run(env, "merchant", "add", "acme", "--name", "Acme Ltd", "--sms-number", "07700 900500")
    assert added.returncode == 0, added.stderr
    assert "+447700900500" in added.stdout
    listed = json.loads(run(env, "merchant", "list", "--json").stdout)
    assert listed == [{"slug": "acme", "name": "Acme Ltd", "sms_number": "+447700900500", "whatsapp_number": None,
                       "timezone": "Europe/London"}]


def test_merchant_add_rejects_a_bad_number_clearly(env):
    result = run(env, "merchant", "add", "acme", "--name", "Acme", "--sms-number", "not-a-number")
    assert result.returncode == 2
    assert "not a phone number" in result.stderr and "Traceback" not in result.stderr


def test_merchant_add_rejects_a_duplicate_number(env):
    assert run(env, "merchant", "add", "one", "--name", "One", "--sms-number", "+447700900500").returncode == 0
    again = run(env, "merchant", "add", "two", "--name", "Two", "--sms-number", "+447700900500")
    assert again.returncode == 1 and "already uses" in again.stderr


def test_chat_answers_a_demo_shipment(env, nlu_model):
    env = {**env, "PARCELBOT_NLU_MODEL": str(nlu_model)}
    assert run(env, "demo").returncode == 0
    result = run(env, "chat", "--from", "+447700900123", stdin="where's my parcel?\n")
    assert result.returncode == 0, result.stderr
    assert "bot> " in result.stdout and "Trail running shoes" in result.stdout and "PB100000001GB" in result.stdout


def test_db_upgrade_says_which_revision_it_came_from_and_went_to(env, tmp_path):
    """A rolling deploy's log shows what its migration step did: from which revision to which, or nothing."""
    from backend.migrate import code_revisions

    head = code_revisions()[0]
    fresh = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    first = run(fresh, "db", "upgrade", "--revision", "0016")
    assert first.returncode == 0, first.stderr
    assert "from an empty database to 0016" in first.stdout
    second = run(fresh, "db", "upgrade")
    assert second.returncode == 0 and f"from 0016 to {head}" in second.stdout
    third = run(fresh, "db", "upgrade")
    assert third.returncode == 0 and f"already at {head}" in third.stdout and "nothing to do" in third.stdout
