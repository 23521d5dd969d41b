"""PARCELBOT_SCHEDULE_SECONDS: an operator's interval for a periodic job (bot/jobs/schedule.py), the same for Celery
beat (bot/worker.py) and the in-process ticker (bot/jobs/ticker.py). A typo is refused at start, naming the
variable, never read as "no change"."""

from __future__ import annotations

import time

import pytest

from bot.config import ConfigError, Settings
from bot.jobs.schedule import SCHEDULE, schedule_for
from bot.jobs.ticker import start_ticker
from bot.runtime import build_runtime
from tests.api.support import interpreter  # noqa: F401 - fixture: no NLU needed here
from tests.test_outbox import message, queue


def _beat(env: dict[str, str]) -> dict[str, float]:
    from bot.worker import make_celery

    app = make_celery(Settings.from_env(env))
    return {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}


@pytest.mark.parametrize("given", ["retry_pending=2,send_outbox=0.5", " retry_pending = 2 ; send_outbox=0.5 "])
def test_beat_runs_a_job_as_often_as_the_operator_says(env, given):
    beat = _beat({**env, "PARCELBOT_SCHEDULE_SECONDS": given})
    assert beat["parcelbot.retry_pending"] == 2.0 and beat["parcelbot.send_outbox"] == 0.5
    others = {f"parcelbot.{p.job}": p.every_seconds for p in SCHEDULE if p.job not in {"retry_pending", "send_outbox"}}
    assert {task: every for task, every in beat.items() if task in others} == others  # the rest as shipped


def test_without_it_the_schedule_is_the_shipped_one(env):
    assert _beat(env) == {f"parcelbot.{p.job}": p.every_seconds for p in SCHEDULE}


@pytest.mark.parametrize("given", ["retry_pending", "retry_pending=", "retry_pending=soon", "retry_pending=0",
                                   "retry_pending=-5", "=5", "retry_pending=nan", "retry_pending=inf"])
def test_a_value_that_isnt_a_positive_number_is_refused_naming_the_variable(env, given):
    with pytest.raises(ConfigError, match="PARCELBOT_SCHEDULE_SECONDS"):
        Settings.from_env({**env, "PARCELBOT_SCHEDULE_SECONDS": given})


@pytest.mark.parametrize("given", ["retry_pendings=5", "send-outbox=5", "RETRY_PENDING=5"])
def test_a_job_the_schedule_does_not_have_is_refused_naming_the_known_ones(env, given):
    settings = Settings.from_env({**env, "PARCELBOT_SCHEDULE_SECONDS": given})
    with pytest.raises(ConfigError, match="PARCELBOT_SCHEDULE_SECONDS.*retry_pending"):
        schedule_for(settings)
    with pytest.raises(ConfigError, match="PARCELBOT_SCHEDULE_SECONDS"):
        _beat({**env, "PARCELBOT_SCHEDULE_SECONDS": given})


def test_the_ticker_keeps_the_operators_interval_too(env, interpreter, demo):  # noqa: F811
    """The shipped send_outbox runs every 10 s: a message queued after the ticker's first run waits that long. At
    the operator's 0.2 s it goes out well before."""
    runtime = build_runtime(Settings.from_env({**env, "PARCELBOT_SCHEDULE_SECONDS": "send_outbox=0.2"}),
                            interpreter=interpreter, synchronous_jobs=True)
    first = queue(runtime, demo)
    ticker = start_ticker(runtime, tick=0.05)
    try:
        _wait(lambda: message(runtime, first).status != "queued", 5)
        later = queue(runtime, demo)
        sent = _wait(lambda: message(runtime, later).status != "queued", 5)
    finally:
        ticker.stop()
        runtime.db.dispose()
    assert sent and message(runtime, later).status == "sandbox"


def _wait(done, seconds: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
    return done()
