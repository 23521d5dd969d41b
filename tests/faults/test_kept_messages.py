"""Messages that arrive while the database is away are kept and answered later (bot/core/spool.py).

Before, the shopper was asked to send the message again and nothing of it was stored: a lost message whenever the
shopper did not. Now the webhook keeps it (a directory on the embedded default, a Redis list with several
processes) and says so; `replay_kept` answers it by text once the database is back, exactly once. Where it can't be
kept (spool off, Redis away as well) the shopper is still asked to send it again: nothing is promised that was not
kept. A runtime built on a database nobody listens on stands in for the outage; a second runtime on the same data
directory (or Redis list) and a working database is the service coming back, as another process would.
"""

from __future__ import annotations

import dataclasses
import socket
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from backend import models as m
from backend.db import transaction
from bot.adapters.redis_spool import RedisSpool
from bot.config import Settings
from bot.core.messages import InboundMessage, Media
from bot.core.secrets_box import code_box
from bot.core.spool import FileSpool, keep_for_later
from bot.jobs.replay import MAX_ATTEMPTS, replay_kept
from bot.runtime import Runtime, build_runtime
from bot.services.demo import seed_demo
from bot.web import create_app
from tests.conftest import PG_URL, PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import new_sid, sms_form, twilio_post
from tests.test_cli import run

DEAD_DB = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"  # port 9 (discard): nobody answers
DEAD_REDIS = "redis://127.0.0.1:9/7"
KEPT = "no need to send it again"
SEND_AGAIN = "Please send it again in a few minutes"
SHOPPER, MERCHANT_NUMBER = "+447700900123", "+441614960000"


def _redis_up() -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
        return True
    return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


def _down(env: dict[str, str], interpreter, **extra: str) -> Runtime:  # noqa: ANN001
    return build_runtime(Settings.from_env({**env, **extra, "DATABASE_URL": DEAD_DB}), interpreter=interpreter,
                         synchronous_jobs=True)


def _up(env: dict[str, str], interpreter, **extra: str) -> Runtime:  # noqa: ANN001
    """The database answering; the demo seeded the first time (before any message is kept, as in life)."""
    rt = build_runtime(Settings.from_env({**env, **extra}), interpreter=interpreter, synchronous_jobs=True)
    with transaction(rt.sessions) as s:
        if s.scalar(select(m.Merchant.id).where(m.Merchant.slug == "demo")) is None:
            seed_demo(s)
    return rt


@pytest.fixture(autouse=True)
def _seeded(env, interpreter) -> None:  # noqa: ANN001
    """Seeded, and one run of the replay job, as the schedule makes within 10 s of start: it records the numbers
    merchants answer on, which an outage checks before promising a reply."""
    up = _up(env, interpreter)
    try:
        assert replay_kept(up) == 0
    finally:
        up.close()


def _during_outage(env: dict[str, str], interpreter, text: str, sid: str) -> str:  # noqa: ANN001
    """Text the bot while the database is away (a runtime on a database nobody listens on); its answer."""
    down = _down(env, interpreter)
    try:
        return _sms(down, text, sid)
    finally:
        down.close()


def _opted_out(rt: Runtime) -> bool:
    with rt.sessions() as s:
        contact = s.scalar(select(m.Contact).where(m.Contact.phone == SHOPPER))
    assert contact is not None
    return contact.opted_out_at is not None


def _sms(rt: Runtime, body: str, sid: str, to: str = MERCHANT_NUMBER) -> str:
    client = create_app(runtime=rt).test_client()
    answer = twilio_post(client, "/twilio/sms", sms_form(body, sid=sid, to=to), token=TWILIO_TOKEN,
                         public_url=PUBLIC_URL)
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    return answer.get_data(as_text=True)


def _texts_for(rt: Runtime, sid: str) -> list[m.Message]:
    with rt.sessions() as s:
        inbound = s.scalar(select(m.Message).where(m.Message.channel_message_id == sid))
        if inbound is None:
            return []
        return list(s.scalars(select(m.Message).where(m.Message.in_reply_to_id == inbound.id).order_by(m.Message.id)))


def _stored(rt: Runtime, sid: str) -> int:
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.Message).where(m.Message.channel_message_id == sid)) or 0


def _gauges(rt: Runtime) -> dict[str, float]:
    text = create_app(runtime=rt).test_client().get("/metrics").get_data(as_text=True)
    return {sample.name: sample.value for family in text_string_to_metric_families(text) for sample in family.samples
            if sample.name.startswith("parcelbot_kept")}


def test_a_message_kept_through_the_outage_is_answered_by_text_once_when_the_database_is_back(env, interpreter):
    down = _down(env, interpreter)
    sids = [new_sid(), new_sid()]
    try:
        for sid, body in zip(sids, ("where is my parcel", "thanks!"), strict=True):
            assert KEPT in _sms(down, body, sid)
        assert isinstance(down.spool, FileSpool) and down.spool.count() == 2
        assert replay_kept(down) == 0 and down.spool.count() == 2  # still away: they wait, in order
    finally:
        down.close()
    up = _up(env, interpreter)  # the same data directory: the service back, in this process or another
    try:
        assert replay_kept(up) == 2 and up.spool is not None and up.spool.count() == 0
        first, second = _texts_for(up, sids[0]), _texts_for(up, sids[1])
        assert first and all(t.status == "sandbox" and t.recipient == SHOPPER for t in first)  # texted, not "reply"
        assert any("PB100000001GB" in t.body for t in first) and second, [t.body for t in first]
        assert first[-1].id < second[0].id  # answered in the order they came
        assert replay_kept(up) == 0  # nothing left, nothing texted twice
        # Twilio's own retry of a kept message, if any, is the same message: handled once.
        _sms(up, "where is my parcel", sids[0])
        assert _stored(up, sids[0]) == 1 and len(_texts_for(up, sids[0])) == len(first)
    finally:
        up.close()


def test_a_kept_message_replayed_twice_is_answered_once(env, interpreter):
    """Two tickers, or a job that died after its commit, hand the same message over again: its MessageSid is
    stored once, so the second run answers nothing."""
    down = _down(env, interpreter)
    sid = new_sid()
    try:
        assert KEPT in _sms(down, "where is my parcel", sid)
        assert down.spool is not None and down.spool.keep(down.spool.oldest(1)[0].message)  # in the spool twice
    finally:
        down.close()
    up = _up(env, interpreter)
    try:
        assert replay_kept(up) == 2
        assert _stored(up, sid) == 1 and len(_texts_for(up, sid)) >= 1
        texts = len(_texts_for(up, sid))
        with up.sessions() as s:
            assert s.scalar(select(func.count()).select_from(m.Message).where(m.Message.direction == "out")) == texts
    finally:
        up.close()


def test_a_message_stored_as_the_connection_broke_still_gets_its_answer_texted_once(env, interpreter):
    """The turn committed, but the webhook answered "we've kept it" (the connection broke during the COMMIT): the
    replay finds the message stored, and texts the replies that never reached the shopper, once."""
    up = _up(env, interpreter)
    sid = new_sid()
    try:
        up.engine.handle(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "where is my parcel", channel_message_id=sid))
        replies = _texts_for(up, sid)
        assert replies and all(r.status == "reply" for r in replies)
        assert up.spool is not None and up.spool.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER,
                                                                     "where is my parcel", channel_message_id=sid))
        assert replay_kept(up) == 1
        texted = _texts_for(up, sid)
        assert [t.id for t in texted] == [r.id for r in replies] and all(t.status == "sandbox" for t in texted)
        up.spool.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "where is my parcel", channel_message_id=sid))
        assert replay_kept(up) == 1 and [t.status for t in _texts_for(up, sid)] == ["sandbox"] * len(replies)
    finally:
        up.close()


def test_a_kept_message_twilio_retried_once_the_database_was_back_is_not_texted_again(env, interpreter):
    """Twilio retries the webhook (it never got the "we've kept it" answer) after the database is back and
    before the replay runs: the retry is handled and answered in its response. The replay then finds the message
    stored; texting its replies as well would tell the shopper everything twice."""
    sid = new_sid()
    assert KEPT in _during_outage(env, interpreter, "where is my parcel", sid)
    up = _up(env, interpreter)
    try:
        answered = _sms(up, "where is my parcel", sid)  # Twilio's retry, same MessageSid
        assert "PB100000001GB" in answered and KEPT not in answered
        replies = _texts_for(up, sid)
        assert replies and all(r.status == "reply" for r in replies)
        assert replay_kept(up) == 1 and up.spool is not None and up.spool.count() == 0  # done with, nothing left
        assert [r.status for r in _texts_for(up, sid)] == ["reply"] * len(replies)  # nothing queued to text
        assert _stored(up, sid) == 1
    finally:
        up.close()


def test_a_retry_stored_before_the_original_was_kept_is_not_texted_again(env, interpreter):
    """The original request's turn waits on a stalled database; Twilio gives up on it and retries, the retry is
    handled (stored, answered in its response); only then does the original fail and keep the message. The stored
    row came first, as if the original had committed as its connection broke, but it is the retry's: its answer
    carried the replies, so the replay texts nothing (before: every reply a second time)."""
    up = _up(env, interpreter)
    sid = new_sid()
    try:
        answered = _sms(up, "where is my parcel", sid)  # the retry, handled first
        assert "PB100000001GB" in answered
        replies = _texts_for(up, sid)
        assert replies and all(r.status == "reply" for r in replies)
        original = InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "where is my parcel", channel_message_id=sid,
                                  attempt="the-original")
        assert up.spool is not None and up.spool.keep(original)  # kept after the retry was stored
        assert replay_kept(up) == 1 and up.spool.count() == 0
        assert [r.status for r in _texts_for(up, sid)] == ["reply"] * len(replies)  # nothing queued to text
    finally:
        up.close()


def test_a_commit_that_went_through_as_the_connection_broke_is_texted_unless_a_retry_answered_it(env, interpreter):
    """The kept delivery's own commit went through: its replies are texted once. But if a retry of the webhook
    was answered with those stored replies before the replay ran, the shopper has them: nothing is texted."""
    up = _up(env, interpreter)
    try:
        for retried in (False, True):
            sid = new_sid()
            original = InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "where is my parcel", channel_message_id=sid,
                                      attempt=f"orig-{sid[-8:]}")
            up.engine.handle(original)  # committed; its answer lost with the connection
            replies = _texts_for(up, sid)
            assert replies and all(r.status == "reply" for r in replies)
            if retried:
                assert "PB100000001GB" in _sms(up, "where is my parcel", sid)  # a retry gets the same words
            assert up.spool is not None and up.spool.keep(original)
            assert replay_kept(up) == 1
            statuses = [t.status for t in _texts_for(up, sid)]
            assert statuses == (["reply"] if retried else ["sandbox"]) * len(replies), (retried, statuses)
    finally:
        up.close()


def test_a_message_kept_in_an_outage_names_its_delivery_and_the_replay_stores_that_name(env, interpreter):
    sid = new_sid()
    down = _down(env, interpreter)
    try:
        assert KEPT in _sms(down, "where is my parcel", sid)
        assert down.spool is not None
        attempt = down.spool.oldest(1)[0].message.attempt
        assert attempt  # the engine named the webhook's delivery, and the spool kept the name
    finally:
        down.close()
    up = _up(env, interpreter)
    try:
        assert replay_kept(up) == 1
        with up.sessions() as s:
            assert s.scalar(select(m.Message.answered_by).where(m.Message.channel_message_id == sid)) == attempt
        assert _texts_for(up, sid) and all(t.status == "sandbox" for t in _texts_for(up, sid))
    finally:
        up.close()


def test_a_message_to_a_number_no_merchant_answers_on_is_not_promised_a_reply(env, interpreter):
    """While the database is away the engine can't ask which merchant a number is; the spool's record of the
    merchants' numbers (refreshed by every replay run) can. "We'll text you" from a number nobody answers on would
    be a promise nobody keeps: that sender is asked to send it again, and nothing is kept."""
    down = _down(env, interpreter)
    try:
        assert down.spool is not None and MERCHANT_NUMBER in (down.spool.numbers() or ())
        stray = _sms(down, "where is my parcel", new_sid(), to="+441614960999")
        assert SEND_AGAIN in stray and KEPT not in stray and down.spool.count() == 0
        assert KEPT in _sms(down, "where is my parcel", new_sid()) and down.spool.count() == 1
    finally:
        down.close()
    up = _up(env, interpreter)  # a merchant takes a new number while the service is up
    try:
        with transaction(up.sessions) as s:
            s.add(m.Merchant(slug="newco", name="NewCo", sms_number="+441614960777"))
        assert replay_kept(up) == 1 and "+441614960777" in (up.spool.numbers() or ())  # type: ignore[union-attr]
    finally:
        up.close()
    assert KEPT in _during_outage(env, interpreter, "where is my parcel", new_sid())  # still kept for the first
    down = _down(env, interpreter)
    try:
        assert KEPT in _sms(down, "where is my parcel", new_sid(), to="+441614960777")  # and for the new one
    finally:
        down.close()


def test_the_numbers_record_is_kept_through_an_outage_and_is_never_emptied_by_one(env, interpreter):
    down = _down(env, interpreter)
    try:
        before = down.spool.numbers() if down.spool is not None else None
        assert before and replay_kept(down) == 0  # the replay's refresh fails with the database: nothing written
        assert down.spool is not None and down.spool.numbers() == before
    finally:
        down.close()


@needs_redis
def test_the_redis_spool_records_the_numbers_for_every_host(env):
    spool = RedisSpool.from_url("redis://127.0.0.1:6379/7", code_box("k" * 32), key=f"test-kept-{uuid.uuid4().hex}")
    try:
        assert spool.numbers() is None  # never recorded: every message is kept, as before
        spool.record_numbers(frozenset({"+441614960000", "+441614960001"}))
        assert spool.numbers() == {"+441614960000", "+441614960001"}
        spool.record_numbers(frozenset({"+441614960001"}))  # replaced whole, not added to
        assert spool.numbers() == {"+441614960001"}
    finally:
        spool.client.delete(spool.numbers_key)


def test_a_message_that_can_never_be_answered_is_set_aside_and_the_rest_go_on(env, interpreter):
    """A number never recorded (the deployment's first outage came before its first replay run) is kept all the
    same, the lesser harm: the replay sets aside what no merchant answers on."""
    (Settings.from_env(env).data_dir / "kept" / "numbers.json").unlink()
    down = _down(env, interpreter)
    stray, good = new_sid(), new_sid()
    try:
        assert KEPT in _sms(down, "hello", stray, to="+441614960999")  # nobody's number (unknowable while down)
        assert KEPT in _sms(down, "where is my parcel", good)
    finally:
        down.close()
    up = _up(env, interpreter)
    try:
        assert _gauges(up) == {"parcelbot_kept_messages": 2, "parcelbot_kept_set_aside": 0}  # what ops watch drain
        assert replay_kept(up) == 1 and _texts_for(up, good) and _stored(up, stray) == 0
        assert isinstance(up.spool, FileSpool) and up.spool.count() == 0 and up.spool.set_aside_count() == 1
        assert _gauges(up) == {"parcelbot_kept_messages": 0, "parcelbot_kept_set_aside": 1}
        # The operator, once the cause is fixed: `parcelbot kept status`, then `retry` puts it back in line.
        status = run(env, "kept", "status")
        assert status.returncode == 0 and "0 waiting to be answered, 1 set aside" in status.stdout, status.stderr
        assert "1 set-aside message(s) back in line" in run(env, "kept", "retry").stdout
        (again,) = up.spool.oldest(5)
        assert again.attempts == 0 and again.message.channel_message_id == stray and up.spool.set_aside_count() == 0
    finally:
        up.close()


def test_with_the_spool_off_the_shopper_is_asked_to_send_it_again(env, interpreter):
    down = _down(env, interpreter, PARCELBOT_SPOOL="off")
    try:
        body = _sms(down, "where is my parcel", new_sid())
        assert SEND_AGAIN in body and KEPT not in body and down.spool is None
    finally:
        down.close()


def test_the_rest_channel_keeps_nothing_its_callers_retry(env, interpreter):
    down = _down(env, interpreter)
    try:
        client = create_app(runtime=down).test_client()
        answer = client.post("/webhooks/rest/webhook?merchant=demo", json={"sender": "s1", "message": "hello"})
        assert answer.status_code == 503 and SEND_AGAIN in answer.get_json()[0]["text"]
        assert down.spool is not None and down.spool.count() == 0
        # Kept or not is the channel's capability, not the presence of an id: the same message with one, on REST,
        # is not kept; on SMS it is.
        on_rest = InboundMessage("rest", "s1", "demo", "hello", channel_message_id="rest-1")
        assert not keep_for_later(down.spool, on_rest) and down.spool.count() == 0
        assert keep_for_later(down.spool, dataclasses.replace(on_rest, channel="sms", sender=SHOPPER,
                                                              recipient=MERCHANT_NUMBER))
    finally:
        down.close()


def test_a_kept_message_the_shopper_has_overtaken_is_not_acted_on(env, interpreter):
    """Kept "yes" (say, to a question about a change); the database comes back and the shopper writes again
    before the replay: acting on the old "yes" now could confirm something they no longer mean. It is stored
    and they are told it couldn't be answered in time; nothing else happens."""
    kept = new_sid()
    assert KEPT in _during_outage(env, interpreter, "yes", kept)
    up = _up(env, interpreter)
    try:
        assert "PB100000001GB" in _sms(up, "where is my parcel", new_sid())  # live, after the outage
        with up.sessions() as s:
            changes_before = s.scalar(select(func.count()).select_from(m.DeliveryChange))
        assert replay_kept(up) == 1
        texts = _texts_for(up, kept)
        assert len(texts) == 1 and "couldn't answer the message you sent today at" in texts[0].body
        assert texts[0].status == "sandbox" and "nothing has been done" in texts[0].body
        with up.sessions() as s:
            assert s.scalar(select(func.count()).select_from(m.DeliveryChange)) == changes_before
            inbound = s.scalar(select(m.Message).where(m.Message.channel_message_id == kept))
        assert inbound.body == "yes" and inbound.created_at < texts[0].created_at  # stored as of when it was sent
    finally:
        up.close()


def test_a_message_kept_too_long_ago_is_not_acted_on_and_a_late_answer_goes_at_once(env, interpreter):
    up = _up(env, interpreter)
    try:
        now = datetime.now(UTC)
        old = InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "where is my parcel", channel_message_id=new_sid(),
                             kept_at=now - timedelta(hours=3))
        up.engine.handle(old)
        texts = _texts_for(up, old.channel_message_id)
        assert len(texts) == 1 and "couldn't answer" in texts[0].body and "PB100000001GB" not in texts[0].body
        # 23:30 London, kept at 23:00, inside the demo's quiet hours (21:00-08:00): an answer is a reply, and
        # replies are always sent (quiet hours hold notifications only), so it goes now, not at 08:00 when what
        # it says ("arriving today") may be stale.
        night = datetime(2026, 12, 7, 23, 30, tzinfo=ZoneInfo("Europe/London"))
        with time_machine.travel(night, tick=False):
            late = InboundMessage("sms", "+447700900456", MERCHANT_NUMBER, "where is my parcel",
                                  channel_message_id=new_sid(), kept_at=datetime.now(UTC) - timedelta(minutes=30))
            up.engine.handle(late)
        sent = _texts_for(up, late.channel_message_id)
        assert sent and all(t.status == "sandbox" for t in sent)
    finally:
        up.close()


def test_a_stop_kept_during_the_outage_is_recorded_however_late(env, interpreter):
    """The shopper was told "You're unsubscribed" during the outage; writing again since, or hours passing,
    must not turn that into a message nobody acts on (and a text to someone who opted out)."""
    stop = new_sid()
    assert "unsubscribed" in _during_outage(env, interpreter, "STOP", stop)
    up = _up(env, interpreter)
    try:
        _sms(up, "hello?", new_sid())  # live, after the outage: the STOP is now "overtaken"
        assert replay_kept(up) == 1
        assert _opted_out(up)
        assert not any("couldn't answer" in t.body for t in _texts_for(up, stop))
        assert all(t.status != "sandbox" for t in _texts_for(up, stop))
    finally:
        up.close()


def test_stop_during_the_outage_is_confirmed_then_recorded_and_nothing_is_texted(env, interpreter):
    down = _down(env, interpreter)
    sid = new_sid()
    try:
        body = _sms(down, "STOP", sid)
        assert "unsubscribed" in body and KEPT not in body
    finally:
        down.close()
    up = _up(env, interpreter)
    try:
        assert replay_kept(up) == 1
        with up.sessions() as s:
            contact = s.scalar(select(m.Contact).where(m.Contact.phone == SHOPPER))
            assert contact is not None and contact.opted_out_at is not None
        assert all(t.status != "sandbox" for t in _texts_for(up, sid))  # they were told already, and opted out
    finally:
        up.close()


def test_a_kept_message_is_sealed_at_rest(env, interpreter):
    down = _down(env, interpreter)
    try:
        _sms(down, "leave it by the back gate, the gate code is 4821", new_sid())
        assert isinstance(down.spool, FileSpool)
        files = [f for f in down.spool.directory.glob("*.json") if f.name != "numbers.json"]  # merchants' own, public
        assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
        raw = files[0].read_text()
        assert "4821" not in raw and "gate" not in raw and SHOPPER not in raw
        assert down.spool.oldest(1)[0].message.text.endswith("4821")  # opened under this deployment's key only
        assert FileSpool(down.spool.directory, code_box("another-key")).oldest(1) == []  # can't open it
        assert down.spool.count() == 1 and down.spool.set_aside_count() == 0  # and leaves it for one that can
    finally:
        down.close()


def test_a_message_that_keeps_failing_is_retried_with_backoff_then_set_aside(env, interpreter, monkeypatch):
    """Not the outage, not nobody's number: a bug, say. Tried again later behind the others, never lost, set
    aside after MAX_ATTEMPTS; the others are answered meanwhile."""
    down = _down(env, interpreter)
    broken, fine = new_sid(), new_sid()
    try:
        assert KEPT in _sms(down, "where is my parcel", broken)
        assert KEPT in _sms(down, "where is my parcel", fine)
    finally:
        down.close()
    up = _up(env, interpreter)
    real, calls = up.engine, []

    class Flaky:
        def handle(self, message):  # noqa: ANN001, ANN202
            calls.append(message.channel_message_id)
            if message.channel_message_id == broken:
                raise RuntimeError("a bug")
            return real.handle(message)

    up.engine = Flaky()  # type: ignore[assignment]
    try:
        assert replay_kept(up) == 1 and _texts_for(up, fine) and calls == [broken, fine]
        assert up.spool is not None and up.spool.count() == 1
        assert replay_kept(up) == 0 and calls == [broken, fine]  # not yet due: skipped, not hammered
        (left,) = up.spool.oldest(5)
        assert left.attempts == 1 and left.not_before > time.time() + 20
        monkeypatch.setattr("bot.jobs.replay.retry_delay", lambda attempts: 0.0)
        with time_machine.travel(datetime.now(UTC) + timedelta(minutes=1)):  # its retry is due
            replay_kept(up)  # and every later one at once (no delay now): tried until MAX_ATTEMPTS, set aside
        assert calls.count(broken) == MAX_ATTEMPTS and up.spool.count() == 0 and up.spool.set_aside_count() == 1
    finally:
        up.engine = real
        up.close()


def test_the_file_spool_survives_what_a_disk_holds(tmp_path):
    spool = FileSpool(tmp_path / "kept", code_box("test-secret-key"))
    photo = (Media("https://x/1.jpg", "image/jpeg"),)
    message = InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "naïve café 📦", photo, channel_message_id="SM1")
    assert spool.keep(message)
    assert spool.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "2", channel_message_id="SM2"))
    (tmp_path / "kept" / ".0001-half.json.part").write_text("{")  # a write that died half-way: never read
    (tmp_path / "kept" / "00000000000000000001-bad.json").write_text("not json")  # sorts first
    kept = spool.oldest(10)
    assert [k.message.channel_message_id for k in kept] == ["SM1", "SM2"] and kept[0].message == message
    # Unreadable here (another key, say): left where it is for a host that can read it, never set aside or lost.
    assert spool.set_aside_count() == 0 and spool.count() == 3
    spool.done(kept[0].token)
    assert [k.message.text for k in spool.oldest(10)] == ["2"]
    with pytest.raises(ValueError):
        spool.done("../secrets")


@needs_redis
def test_on_redis_any_process_answers_what_another_kept(env, interpreter):
    key = f"test:kept:{uuid.uuid4().hex[:8]}"
    redis_env = {"PARCELBOT_SPOOL": "redis", "REDIS_URL": "redis://127.0.0.1:6379/7", "PARCELBOT_SPOOL_KEY": key}
    client = redis.Redis.from_url("redis://127.0.0.1:6379/7")
    down = _down(env, interpreter, **redis_env)
    sid = new_sid()
    try:
        assert KEPT in _sms(down, "where is my parcel", sid)
        assert isinstance(down.spool, RedisSpool) and client.llen(key) == 1
    finally:
        down.close()
    up = _up(env, interpreter, **redis_env)
    try:
        assert replay_kept(up) == 1 and client.llen(key) == 0
        assert any("PB100000001GB" in t.body and t.status == "sandbox" for t in _texts_for(up, sid))
    finally:
        up.close()
        client.delete(key, key + ":set-aside")


def test_with_redis_away_as_well_nothing_is_promised(env, interpreter):
    down = _down(env, interpreter, PARCELBOT_SPOOL="redis", REDIS_URL=DEAD_REDIS)
    try:
        body = _sms(down, "where is my parcel", new_sid())
        assert SEND_AGAIN in body and KEPT not in body
        assert replay_kept(down) == 0  # the job can't read the spool either: it says so in the log, no crash
    finally:
        down.close()


@needs_redis
def test_the_redis_spool_moves_an_entry_only_if_it_removed_it():
    key = f"test:kept:{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url("redis://127.0.0.1:6379/7")
    spool = RedisSpool(client, code_box("test-secret-key"), key=key)
    foreign = RedisSpool(client, code_box("another-key"), key=key)
    try:
        for n in range(3):  # another host's key: skipped page after page, never a wall in front of ours
            assert foreign.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, f"t{n}", channel_message_id=f"T{n}"))
        assert spool.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "ours", channel_message_id="O1"))
        assert [k.message.text for k in spool.oldest(1)] == ["ours"] and spool.count() == 4
        client.delete(key)
        for n in (1, 2):
            assert spool.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, f"m{n}", channel_message_id=f"SM{n}"))
        first, second = spool.oldest(10)
        assert SHOPPER not in client.lindex(key, 0).decode()  # sealed in Redis too
        spool.done(first.token)
        spool.set_aside(first.token, "answered meanwhile by another process")  # gone already: not set aside
        assert spool.set_aside_count() == 0
        spool.retry_later(second, time.time() + 60)
        (again,) = spool.oldest(10)
        assert again.message.text == "m2" and again.attempts == 1 and again.not_before > time.time()
        spool.set_aside(again.token, "for a person")
        assert spool.count() == 0 and spool.set_aside_count() == 1
    finally:
        client.delete(key, key + ":set-aside")


def test_the_shoppers_latest_word_on_texts_wins_over_a_kept_one(env, interpreter):
    """A kept STOP is acted on however late, unless they have since said START (or STOP) themselves; a kept START
    overtaken by a live STOP is not acted on either."""
    down = _down(env, interpreter)
    stop, start = new_sid(), new_sid()
    try:
        assert "unsubscribed" in _sms(down, "STOP", stop)
    finally:
        down.close()
    up = _up(env, interpreter)
    try:
        _sms(up, "START", new_sid())  # live, after the outage: their latest word
        assert replay_kept(up) == 1
        assert not _opted_out(up)  # the later START stands
    finally:
        up.close()
    assert KEPT in _during_outage(env, interpreter, "START", start)
    up = _up(env, interpreter)
    try:
        _sms(up, "STOP", new_sid())
        assert replay_kept(up) == 1
        assert _opted_out(up)  # the later STOP stands
        assert all(t.status != "sandbox" for t in _texts_for(up, start))  # and nothing is texted to them
    finally:
        up.close()


def test_entries_this_host_cannot_open_never_hide_the_rest(tmp_path):
    ours, theirs = code_box("our-key"), code_box("their-key")
    spool, foreign = FileSpool(tmp_path / "kept", ours), FileSpool(tmp_path / "kept", theirs)
    for n in range(3):
        assert foreign.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, f"theirs {n}", channel_message_id=f"T{n}"))
    assert spool.keep(InboundMessage("sms", SHOPPER, MERCHANT_NUMBER, "ours", channel_message_id="O1"))
    assert [k.message.text for k in spool.oldest(1)] == ["ours"]  # the three before it are skipped, not a wall
    (tmp_path / "kept" / "00000000000000000002-bad.json").write_text(ours.seal("not a kept message"))
    spool.oldest(10)
    assert spool.set_aside_count() == 1 and spool.count() == 4  # opened but corrupt: aside; theirs: left in place


@pytest.mark.sqlite_only
@pytest.mark.skipif(bool(PG_URL), reason="the SQLite default")
def test_a_sqlite_database_locked_past_the_wait_is_an_outage_answered_before_twilio_gives_up(env, interpreter, db_url,
                                                                                             monkeypatch):
    """A writer holding SQLite's lock (a stuck process, a backup) used to make a turn wait 30 s, past Twilio's 15 s
    webhook timeout: the shopper heard nothing. The wait is now under it, and then the text is kept."""
    import sqlite3

    from backend import db

    assert db.SQLITE_BUSY_SECONDS < 15  # Twilio gives up on a webhook after 15 s
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 1)  # the same path, without the test waiting 10 s
    up = _up(env, interpreter)
    holder = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
    sid = new_sid()
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        assert KEPT in _sms(up, "where is my parcel", sid)
        assert time.monotonic() - started < 10
        holder.execute("COMMIT")
        assert replay_kept(up) == 1 and any("PB100000001GB" in t.body for t in _texts_for(up, sid))
    finally:
        holder.close()
        up.close()


def test_an_opt_out_in_words_kept_during_the_outage_is_recorded_however_late(env, interpreter):
    """Not the STOP keyword but "please stop sending me texts" (the NLU's opt_out): what they asked for holds
    when the replay comes after they wrote again, as a kept STOP does."""
    sid = new_sid()
    assert KEPT in _during_outage(env, interpreter, "please stop sending me texts", sid)
    up = _up(env, interpreter)
    try:
        _sms(up, "hello?", new_sid())  # live, after the outage: the kept message is now "overtaken"
        assert not _opted_out(up)
        assert replay_kept(up) == 1
        assert _opted_out(up)
        assert not any("couldn't answer" in t.body for t in _texts_for(up, sid))
    finally:
        up.close()
