"""PostgreSQL through either driver: a plain URL gets psycopg2 (less CPU a statement, bot/config.py), and a
URL that names psycopg 3 keeps it. Both must carry a whole turn, aware UTC times, JSON and photo bytes."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import select

from bot.config import DEFAULT_PG_DRIVER, Settings
from tests.conftest import PG_URL
from tests.helpers import say


@pytest.mark.parametrize(("given", "used"), [
    ("postgres://shop@db.internal/parcelbot", f"postgresql+{DEFAULT_PG_DRIVER}://shop@db.internal/parcelbot"),
    ("postgresql://shop:pw@db:6432/pb?sslmode=require",
     f"postgresql+{DEFAULT_PG_DRIVER}://shop:pw@db:6432/pb?sslmode=require"),
    ("postgresql+psycopg://shop@db/pb", "postgresql+psycopg://shop@db/pb"),
    ("postgresql+psycopg2://shop@db/pb", "postgresql+psycopg2://shop@db/pb"),
])  # fmt: skip
def test_a_plain_postgres_url_gets_the_default_driver_and_a_named_one_is_kept(env, given, used):
    assert DEFAULT_PG_DRIVER == "psycopg2"
    assert Settings.from_env({**env, "DATABASE_URL": given}).database_url == used


def test_sqlite_urls_are_left_alone(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert Settings.from_env({**env, "DATABASE_URL": url}).database_url == url


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (PARCELBOT_TEST_DATABASE_URL)")
@pytest.mark.parametrize("driver", ["psycopg2", "psycopg"])
def test_a_whole_turn_on_each_driver(env, db_url, interpreter, driver):
    from backend import models as m
    from backend.db import transaction
    from bot.core.storage import storage_for
    from bot.runtime import build_runtime
    from bot.services.demo import seed_demo

    url = "postgresql+" + driver + "://" + db_url.split("://", 1)[1]
    runtime = build_runtime(Settings.from_env({**env, "DATABASE_URL": url}), interpreter=interpreter,
                            synchronous_jobs=True)  # fmt: skip
    try:
        assert runtime.db.dialect.driver == driver
        with transaction(runtime.sessions) as session:
            seed_demo(session)
        replies = say(runtime, "where is my parcel?", sender="+447700900789")
        assert any("delivered" in r.lower() for r in replies), replies
        with runtime.sessions() as session:
            stored = session.scalars(select(m.Message).order_by(m.Message.id)).all()
            conversation = session.scalars(select(m.Conversation)).one()
        assert [x.direction for x in stored][:2] == ["in", "out"]
        assert all(x.created_at.tzinfo is not None and x.created_at.utcoffset() == UTC.utcoffset(None)
                   for x in stored)  # fmt: skip
        assert isinstance(conversation.state, dict)  # JSON decoded, not a string
        photo = bytes(range(256)) * 8
        store = storage_for(runtime.settings, runtime.sessions)
        assert store.get(store.put(photo, "image/png")) == (photo, "image/png")  # bytes, not a memoryview
    finally:
        runtime.db.dispose()
