"""A process set up for several hosts (PARCELBOT_JOBS=celery or PARCELBOT_EVENTS=redis) that falls back to a
per-process default names the variable at start-up, in its log (docs/deployment.md "Environment").

Found following the deployment guide by hand: a web host started with the queue and events on Redis but without
DATABASE_URL, PARCELBOT_SECRET_KEY, TWILIO_AUTH_TOKEN or REDIS_URL started silently and its /healthz said ok, while
it kept every conversation in a SQLite file of its own, signed links and checked Twilio's signatures with secrets
it had just generated into its data directory, and published to a Redis on its own loopback. Each is right for
one machine and wrong for several; only the operator knows which this is, so it is said, not refused.

The real entry points are started as processes (gunicorn imports bot.wsgi; `celery -A bot.worker` reads its app),
each with an environment of its own and nothing inherited from the suite's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = ("DATABASE_URL", "PARCELBOT_SECRET_KEY", "TWILIO_AUTH_TOKEN", "REDIS_URL")
ENTRY_POINTS = {"web": "import bot.wsgi", "worker": "import bot.worker as w; w.app"}


def _start_up(code: str, env: dict[str, str]) -> str:
    """What an entry point writes while it starts: its stderr (the log), with only `env` and the basics set."""
    basics = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    done = subprocess.run([sys.executable, "-c", code], env={**basics, "PYTHONPATH": str(REPO), **env},  # noqa: S603
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("shared", [{"PARCELBOT_JOBS": "celery"}, {"PARCELBOT_EVENTS": "redis"}])
def test_a_process_set_up_for_several_hosts_names_each_per_process_default(entry, shared, tmp_path, nlu_model):
    log = _start_up(ENTRY_POINTS[entry], {**shared, "PARCELBOT_DATA_DIR": str(tmp_path / "data"),
                                          "PARCELBOT_NLU_MODEL": str(nlu_model)})
    for variable in SHARED:
        assert variable in log, f"{variable} not named at start-up of the {entry}:\n{log[-3000:]}"
    assert "Traceback" not in log


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_nothing_is_said_when_every_shared_setting_is_given(entry, tmp_path, nlu_model):
    given = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}", "PARCELBOT_SECRET_KEY": "one-key-for-all-hosts",
             "TWILIO_AUTH_TOKEN": "the-accounts-token", "REDIS_URL": "redis://127.0.0.1:6379/9"}
    log = _start_up(ENTRY_POINTS[entry], {"PARCELBOT_JOBS": "celery", "PARCELBOT_EVENTS": "redis", **given,
                                          "PARCELBOT_DATA_DIR": str(tmp_path / "data"),
                                          "PARCELBOT_NLU_MODEL": str(nlu_model)})
    for variable in SHARED:
        assert variable not in log, log[-3000:]


def test_the_one_machine_default_says_nothing(tmp_path, nlu_model):
    """PARCELBOT_JOBS=inline and in-process events: everything per process is right, so no warning."""
    log = _start_up(ENTRY_POINTS["web"], {"PARCELBOT_DATA_DIR": str(tmp_path / "data"),
                                          "PARCELBOT_NLU_MODEL": str(nlu_model)})
    for variable in SHARED:
        assert variable not in log, log[-3000:]
