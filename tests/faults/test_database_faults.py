"""The database goes away mid-load (the review's defect: the SMS webhook answered a plain-text 500 and the shopper
heard nothing).

Decision (docs/faults.md): Twilio's SMS webhook is answered 200 with TwiML that apologises; the message is kept in
the spool (bot/core/spool.py) and answered by text once the database is back (replay_kept), so the shopper is told
there is no need to send it again. If it can't be kept either (spool off, or Redis away too), the apology asks
them to send it again, promising nothing. The REST channel answers 503 with Retry-After (its callers retry).
A turn whose connection drops half-way is rolled back whole and run once more on a fresh connection; a database
that comes back is used again by itself (an idle connection is pinged before it is lent). On PostgreSQL the app
reaches the server through a proxy the test cuts (tests/faults/proxy.py), and a connection is killed mid-turn with
pg_terminate_backend; on SQLite the database file becomes unopenable.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import aliased

from backend import models as m
from backend.db import PING_AFTER_IDLE_SECONDS, transaction
from bot.config import Settings
from bot.core.apikeys import create_key
from bot.jobs.replay import replay_kept
from bot.runtime import Runtime, build_runtime
from bot.services.demo import seed_demo
from bot.web import create_app
from tests.conftest import PG_URL, PUBLIC_URL, TWILIO_TOKEN
from tests.console.kit import make_user, sign_in
from tests.faults.proxy import CuttableProxy
from tests.helpers import new_sid, sms_form, twilio_post

pg_only = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PARCELBOT_TEST_DATABASE_URL)")
SEND_AGAIN = "Please send it again in a few minutes"
KEPT = "no need to send it again"


def _runtime(env: dict[str, str], interpreter, url: str) -> Runtime:  # noqa: ANN001
    rt = build_runtime(Settings.from_env({**env, "DATABASE_URL": url}), interpreter=interpreter,
                       synchronous_jobs=True)
    with transaction(rt.sessions) as s:
        seed_demo(s)
    return rt


def _sms(client, body: str, sid: str | None = None):  # noqa: ANN001, ANN202
    return twilio_post(client, "/twilio/sms", sms_form(body, sid=sid or new_sid()), token=TWILIO_TOKEN,
                       public_url=PUBLIC_URL)


def _inbound(rt: Runtime, sid: str) -> int:
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.Message).where(m.Message.channel_message_id == sid))


@pytest.fixture
def proxied(env, interpreter, db_url) -> Iterator[tuple[Runtime, CuttableProxy]]:  # noqa: ANN001
    url = make_url(db_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    rt = _runtime(env, interpreter, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    yield rt, proxy
    proxy.close()
    rt.close()


@pg_only
def test_with_the_database_away_the_sms_webhook_apologises_in_twiml_and_service_resumes_by_itself(proxied):
    rt, proxy = proxied
    client = create_app(runtime=rt).test_client()
    assert "PB100000001GB" in _sms(client, "where is my parcel").get_data(as_text=True)
    proxy.cut()
    kept = new_sid()
    answer = _sms(client, "where is my parcel", kept)
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert "<Message>" in answer.get_data(as_text=True) and KEPT in answer.get_data(as_text=True)
    health = client.get("/healthz")  # what a load balancer reads: unavailable, not an internal error
    assert health.status_code == 503 and health.headers["Retry-After"].isdigit()
    assert replay_kept(rt) == 0 and rt.spool is not None and rt.spool.count() == 1  # still away: it waits
    proxy.restore()  # no restart, no dispose: the next request finds a working connection by itself
    assert client.get("/healthz").status_code == 200
    assert _inbound(rt, kept) == 0  # not stored while the database was away: it is in the spool
    assert replay_kept(rt) == 1 and rt.spool.count() == 0  # the schedule's job answers it, by text
    assert _inbound(rt, kept) == 1
    with rt.sessions() as s:
        inbound = s.scalar(select(m.Message).where(m.Message.channel_message_id == kept))
        texted = s.scalars(select(m.Message).where(m.Message.in_reply_to_id == inbound.id)).all()
    assert texted and all(r.status == "sandbox" and r.recipient == inbound.sender for r in texted)
    assert any("PB100000001GB" in r.body for r in texted)
    again = _sms(client, "where is my parcel", kept)  # a retry of it, if any, is the same message: nothing twice
    assert again.status_code == 200 and _inbound(rt, kept) == 1
    back = _sms(client, "where is my parcel")  # and new messages are answered as usual
    assert back.status_code == 200 and "PB100000001GB" in back.get_data(as_text=True)


@pg_only
def test_a_database_that_stops_answering_gets_the_kept_answer_in_seconds_not_silence(env, interpreter, db_url):
    """The server stays reachable but answers nothing (a frozen server, a hung proxy): the connections stay up, so
    no driver error ever comes. The turn's connection is shut down by the stall guard (backend/stall.py, here after
    1 s) and the message takes the outage path: kept, the kept answer in TwiML, answered by text once it is back.
    Without the guard the request waits for ever (the review's probe: 100 s and more, past Twilio's 15 s)."""
    url = make_url(db_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    rt = _runtime({**env, "PARCELBOT_DB_STALL_SECONDS": "1"}, interpreter,
                  url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        client = create_app(runtime=rt).test_client()
        assert "PB100000001GB" in _sms(client, "where is my parcel").get_data(as_text=True)
        proxy.stall()
        kept = new_sid()
        pool = ThreadPoolExecutor(1)  # bounded, so a regression fails the test instead of hanging it
        try:
            answer = pool.submit(_sms, client, "where is my parcel", kept).result(timeout=60)
        finally:
            pool.shutdown(wait=False)  # closing the proxy (below) frees a request that is still waiting
        assert answer.status_code == 200 and KEPT in answer.get_data(as_text=True), answer.get_data(as_text=True)
        proxy.restore()
        assert replay_kept(rt) == 1 and _inbound(rt, kept) == 1  # answered by text once it answers again
        back = _sms(client, "where is my parcel")
        assert back.status_code == 200 and "PB100000001GB" in back.get_data(as_text=True)
        # Again after a quiet spell: the pooled connection is now pinged before it is lent (backend/db.py), and
        # that ping is what meets the frozen server. It is watched as well: the same kept answer.
        time.sleep(PING_AFTER_IDLE_SECONDS + 0.3)
        proxy.stall()
        kept = new_sid()
        pool = ThreadPoolExecutor(1)
        try:
            answer = pool.submit(_sms, client, "where is my parcel", kept).result(timeout=60)
        finally:
            pool.shutdown(wait=False)
        assert answer.status_code == 200 and KEPT in answer.get_data(as_text=True), answer.get_data(as_text=True)
    finally:
        proxy.close()
        rt.close()


@pg_only
def test_a_frozen_database_gets_an_api_call_and_a_console_page_a_503_in_seconds_not_a_thread_held_for_ever(
        env, interpreter, db_url):  # noqa: ANN001
    """Not only the shoppers' turns: any web request holding a connection past PARCELBOT_DB_STALL_REQUEST_SECONDS
    (here 1 s) is cut loose with a 503 and Retry-After (bot/web/stall_watch.py). Without it these requests wait for
    ever, each holding a worker thread, until none is left for the webhooks."""
    url = make_url(db_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    rt = _runtime({**env, "PARCELBOT_DB_STALL_REQUEST_SECONDS": "1"}, interpreter,
                  url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        with transaction(rt.sessions) as s:
            key, _ = create_key(s, s.scalar(select(m.Merchant)))
        make_user(rt)
        app = create_app(runtime=rt)
        api, console = app.test_client(), app.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        assert api.get("/api/v1/shipments/PB100000001GB", headers=headers).status_code == 200
        assert sign_in(console).status_code in (302, 303) and console.get("/console").status_code == 200
        proxy.stall()
        pool = ThreadPoolExecutor(2)  # bounded, so a regression fails the test instead of hanging it
        try:
            waiting = [pool.submit(api.get, "/api/v1/shipments/PB100000001GB", headers=headers),
                       pool.submit(console.get, "/console")]
            answers = [w.result(timeout=60) for w in waiting]
        finally:
            pool.shutdown(wait=False)  # closing the proxy (below) frees a request that is still waiting
        for answer in answers:
            assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit(), answer.get_data(as_text=True)
        assert answers[0].is_json  # the API says so in JSON, as its other errors
        proxy.restore()  # and both work again by themselves: the stalled connections were dropped from the pool
        assert api.get("/api/v1/shipments/PB100000001GB", headers=headers).status_code == 200
        assert console.get("/console").status_code == 200
    finally:
        proxy.close()
        rt.close()


@pg_only
def test_the_database_cut_mid_load_every_shopper_hears_something_and_nothing_is_half_written_or_doubled(proxied):
    """Four shoppers texting at once; the database is cut after some answers and restored after some apologies.
    Every request is answered with TwiML (an answer or the apology); every message answered normally is stored
    once with its replies; none is stored twice; no stored message lacks its replies."""
    rt, proxy = proxied
    app = create_app(runtime=rt)
    answered: dict[str, str] = {}  # in the order the answers came
    lock, progress = threading.Lock(), threading.Semaphore(0)
    phones = ("+447700900123", "+447700900456", "+447700900789", "+447700900321")

    def shopper(phone: str) -> None:
        client = app.test_client()
        for _ in range(8):
            sid = new_sid()
            form = sms_form("where is my parcel", sender=phone, sid=sid)
            answer = twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)
            assert answer.status_code == 200 and "<Message>" in answer.get_data(as_text=True)
            with lock:
                answered[sid] = answer.get_data(as_text=True)
            progress.release()

    with ThreadPoolExecutor(len(phones)) as pool:
        running = [pool.submit(shopper, phone) for phone in phones]
        for _ in range(6):
            assert progress.acquire(timeout=60)
        proxy.cut()
        for _ in range(8):
            assert progress.acquire(timeout=60)
        proxy.restore()
        for future in running:
            future.result(timeout=120)
    apologised = {sid for sid, body in answered.items() if KEPT in body}
    assert apologised and KEPT not in list(answered.values())[-1]  # the cut was felt; service came back
    assert not any(SEND_AGAIN in body for body in answered.values())  # every message the cut met was kept
    assert replay_kept(rt) == len(apologised)  # and answered, by text, once the database is back
    with rt.sessions() as s:
        stored = dict(s.execute(select(m.Message.channel_message_id, func.count()).where(m.Message.direction == "in")
                                .group_by(m.Message.channel_message_id)).all())
        reply = aliased(m.Message)
        has_reply = select(reply.id).where(reply.in_reply_to_id == m.Message.id).exists()
        without_replies = s.scalars(select(m.Message.channel_message_id)
                                    .where(m.Message.direction == "in", ~has_reply)).all()
    assert all(stored.get(sid) == 1 for sid in answered)  # answered at once or later: stored exactly once
    assert all(n == 1 for n in stored.values())  # nothing doubled
    assert without_replies == []  # nothing half-written


@pg_only
def test_with_the_database_away_the_rest_channel_answers_503_with_the_apology(proxied):
    rt, proxy = proxied
    client = create_app(runtime=rt).test_client()
    proxy.cut()
    answer = client.post("/webhooks/rest/webhook?merchant=demo", json={"sender": "s1", "message": "hello"})
    assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
    assert SEND_AGAIN in answer.get_json()[0]["text"]
    proxy.restore()
    assert client.post("/webhooks/rest/webhook?merchant=demo", json={"sender": "s1", "message": "hello"}
                       ).status_code == 200


@pg_only
def test_a_connection_killed_mid_turn_leaves_nothing_half_written_and_the_turn_runs_once(env, interpreter, db_url):
    """pg_terminate_backend on the app's own connection just as the turn writes its replies: the turn's
    inbound message, conversation and state were already flushed in that transaction and must all roll back;
    the turn then runs once more and everything is stored exactly once."""
    rt = _runtime(env, interpreter, db_url)
    admin = create_engine(db_url)
    killed: list[int] = []

    @event.listens_for(rt.db, "before_cursor_execute")
    def kill_once(conn, cursor, statement, params, context, many):  # noqa: ANN001, ANN202
        # the replies' INSERT: on its own, or (PostgreSQL, bot/core/turn_writes.py) after the conversation's UPDATE
        # in the turn's one last statement
        replies = "INSERT INTO messages" in statement and "'out'" in str(params) + statement
        if not killed and replies:
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.begin() as c:
                c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            killed.append(pid)

    try:
        client = create_app(runtime=rt).test_client()
        sid = new_sid()
        answer = _sms(client, "where is my parcel", sid)
        assert killed, "the connection was never killed: the test didn't reach the replies"
        assert answer.status_code == 200 and "PB100000001GB" in answer.get_data(as_text=True)
        with rt.sessions() as s:
            inbound = s.scalars(select(m.Message).where(m.Message.channel_message_id == sid)).all()
            assert len(inbound) == 1
            replies = s.scalars(select(m.Message).where(m.Message.in_reply_to_id == inbound[0].id)).all()
            assert len(replies) == len(answer.get_data(as_text=True).split("<Message>")) - 1
            assert s.scalar(select(func.count()).select_from(m.Conversation)) == 1
    finally:
        admin.dispose()
        rt.close()


@pytest.mark.sqlite_only
@pytest.mark.skipif(bool(PG_URL), reason="the SQLite default")
def test_with_the_sqlite_file_unopenable_the_webhook_apologises_and_recovers(env, interpreter, db_url):
    rt = _runtime(env, interpreter, db_url)
    path = Path(make_url(db_url).database or "")
    client = create_app(runtime=rt).test_client()
    try:
        assert "PB100000001GB" in _sms(client, "where is my parcel").get_data(as_text=True)
        rt.db.dispose()
        aside = path.with_suffix(".aside")
        os.replace(path, aside)
        path.mkdir()  # a directory where the database was: "unable to open database file"
        answer = _sms(client, "where is my parcel")
        assert answer.status_code == 200 and KEPT in answer.get_data(as_text=True)
        assert replay_kept(rt) == 0  # still unopenable: kept for the next run
        shutil.rmtree(path)
        os.replace(aside, path)
        assert "PB100000001GB" in _sms(client, "where is my parcel").get_data(as_text=True)
        assert replay_kept(rt) == 1 and rt.spool is not None and rt.spool.count() == 0
    finally:
        rt.close()


def test_any_unexpected_error_on_the_sms_webhook_is_twiml_not_silence(env, interpreter, db_url):
    """Not only the database: whatever breaks outside a turn's own error handling, the shopper reads an apology."""
    rt = _runtime(env, interpreter, db_url)
    rt.engine = rt.engine.replace(clock=None)  # the engine can't read the time: a crash before any turn
    app = create_app(runtime=rt)
    app.config["TESTING"] = False
    try:
        answer = _sms(app.test_client(), "where is my parcel")
        assert answer.status_code == 200 and answer.mimetype == "application/xml"
        assert "something went wrong on our side" in answer.get_data(as_text=True)
    finally:
        rt.close()
