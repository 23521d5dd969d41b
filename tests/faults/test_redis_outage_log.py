"""While Redis is away, each turn logs one line per thing it could not do, not a traceback.

Found following the deployment guide by hand with one host pointed at a wrong Redis port: three shoppers' texts
wrote ten tracebacks (about 40 lines each) to the host's log, one per missed event publish and per job not queued.
A Redis outage on a delivery morning is thousands of messages, every one expected to miss its event and its nudge
(docs/faults.md 3: the sweep sends, a console re-reads): the log said nothing a line would not, and buried what else
went wrong. What failed and why stays in the line; an unexpected error (a bug) keeps its traceback."""

from __future__ import annotations

import logging

import pytest

from bot.core.events import FanOutEventSink, MessageStored
from tests.dialogues.aftersales_kit import talk, text_of
from tests.faults.test_redis_faults import SHOPPER, _queue_a_text, _redis_up, via_proxy  # noqa: F401 - the fixture


def _tracebacks(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.exc_info]


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_turns_while_redis_is_away_log_a_line_each_not_a_traceback(via_proxy, caplog):  # noqa: F811
    rt, proxy, _ = via_proxy
    proxy.cut()
    with caplog.at_level(logging.WARNING):
        for text in ("where is my parcel", "thanks"):
            assert text_of(talk(rt, SHOPPER, text))  # answered, as before
        _queue_a_text(rt, "Your parcel is on its way")  # a job asked for after commit
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not _tracebacks(said), _tracebacks(said)
    lines = [r.getMessage() for r in said]
    assert any("event" in line and "Redis" in line for line in lines), lines  # the missed events, said
    assert any("send_outbox" in line for line in lines), lines  # the job not queued, named
    assert all("\n" not in line for line in lines)


def test_an_unexpected_failure_of_a_sink_keeps_its_traceback(caplog):
    """A sink that breaks for any other reason is a bug: its traceback is what finds it."""

    class Broken:
        def publish(self, events):  # noqa: ANN001, ANN202
            raise ValueError("a bug")

    event = MessageStored(merchant_id=1, conversation_id=1, message_id=1, direction="in", channel="sms")
    with caplog.at_level(logging.WARNING):
        FanOutEventSink(Broken()).publish([event])
    assert any(r.exc_info and "Broken" in r.getMessage() for r in caplog.records)
