"""Settings with a fixed set of values refuse a typo with a clear error instead of falling back to a default."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings


@pytest.mark.parametrize(("name", "typo", "allowed"), [
    ("PARCELBOT_JOBS", "celry", "inline, celery"),
    ("PARCELBOT_NLU_BACKEND", "rasaa", "embedded, rasa"),
    ("PARCELBOT_EVENTS", "kafka", "inprocess, redis"),
])
def test_a_typo_in_a_choice_is_refused_and_named(env, name, typo, allowed):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**env, name: typo})
    assert name in str(refused.value) and typo in str(refused.value) and allowed in str(refused.value)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("PARCELBOT_SLOW_BACKEND_SECONDS", "two", "not a number"),
    ("PARCELBOT_CONVERSATION_TTL_MINUTES", "-5", "negative"),
    ("PARCELBOT_TIMEZONE", "Europe/Londn", "time zone"),
])
def test_numbers_and_zones_are_checked_too(env, name, value, says):
    with pytest.raises(ConfigError, match=says):
        Settings.from_env({**env, name: value})


def test_rasa_needs_its_url(env):
    with pytest.raises(ConfigError, match="RASA_URL"):
        Settings.from_env({**env, "PARCELBOT_NLU_BACKEND": "rasa"})


def test_the_values_are_case_and_space_tolerant(env):
    settings = Settings.from_env({**env, "PARCELBOT_JOBS": " Celery ", "PARCELBOT_EVENTS": "REDIS"})
    assert (settings.job_backend, settings.events_backend) == ("celery", "redis")


def test_the_command_line_says_so_in_one_line(env):
    run = subprocess.run([sys.executable, "-m", "bot.cli", "merchant", "list"], capture_output=True, text=True,
                         env={**os.environ, **env, "PARCELBOT_JOBS": "celry"}, timeout=120)
    assert run.returncode != 0
    assert "PARCELBOT_JOBS='celry' is not one of: inline, celery" in run.stderr
    assert "Traceback" not in run.stderr
