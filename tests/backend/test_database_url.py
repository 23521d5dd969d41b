"""DATABASE_URL as hosting platforms write it (`postgres://`, `postgresql://`) gets psycopg 3, the driver the
database tier is measured with (bot/config.py); a URL that names a driver, and SQLite, are left alone."""

from __future__ import annotations

import pytest

from bot.config import Settings


@pytest.mark.parametrize(("given", "used"), [
    ("postgres://shop@db.internal/parcelbot", "postgresql+psycopg://shop@db.internal/parcelbot"),
    ("postgresql://shop:pw@db:6432/pb?sslmode=require", "postgresql+psycopg://shop:pw@db:6432/pb?sslmode=require"),
    ("postgresql+psycopg://shop@db/pb", "postgresql+psycopg://shop@db/pb"),
    ("sqlite:////var/lib/parcelbot/parcelbot.db", "sqlite:////var/lib/parcelbot/parcelbot.db"),
])  # fmt: skip
def test_a_plain_postgres_url_gets_psycopg_3_and_others_are_left_alone(env, given, used):
    assert Settings.from_env({**env, "DATABASE_URL": given}).database_url == used
