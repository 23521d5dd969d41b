"""Review 9 of issue 16 ("Scale, speed and staying up"): an independent reviewer's probes in other words than the
issue's and reviews 6 and 8's; each defect found is a test that failed on the code as it stood.

Probes that found no defect (one line each):
- every route x HEAD/OPTIONS/GET/POST/PUT/DELETE/PATCH, with and without a trailing slash, a query string with
  %zz and %00, and a form body with bad percent-escapes and NUL: never a 5xx.
- SMS webhook: 5,000 form fields, multipart instead of urlencoded, a JSON Content-Type over a form, a charset
  that lies, a Content-Length longer than the body (400), an empty body (400), a query string on the POST (signed
  over it, answered): a reply or a clear 4xx, never a 500; a repeated key is checked and read as its first value.
- Delivery receipts: an unknown MessageStatus (204, ignored), NUL in any field (400), a 500-character ErrorCode
  (recorded), a forged signature (403).
- The same MessageSid twice at once on PostgreSQL while the first is at a hung carrier: one write under one key,
  one change recorded, both answers the same.
- Twilio REST answering 200 with a body that isn't JSON: the transport's crash is kept "in doubt" and looked up
  before any second send (bot/jobs/send_outbox.py), not sent twice.
- Signed tracking links truncated, tampered or of another shape: 404, never a 500 (bot/core/links.py).
- Dates: "next friday" said on a Friday, 29 Feb in a non-leap year (the next real one), 03/04 for GB and US, the
  UK's spring-forward day: as documented in intents/entities/dates.py.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select, text

from backend import db as backend_db
from backend import models as m
from backend.db import transaction
from backend.types import ActionKind
from bot.core.messages import InboundMessage
from bot.runtime import Runtime
from bot.services.demo import seed_demo
from intents.context import ParseContext
from intents.entities import dates
from tests.conftest import PG_URL, PUBLIC_URL, TWILIO_TOKEN
from tests.faults.kit import ACME, SHOPPER, Carrier, acme_runtime, carrier_api, changes, say
from tests.helpers import new_sid, twilio_post
from tests.helpers import say as demo_say

# -- a day of a month that has no such day ----------------------------------------------------------------------
# Each names a day its month doesn't have. The ordinal alone ("31st") used to be read as the next 31st of any
# month, so "the 31st of june" said in March booked 31 March.
NO_SUCH_DAY = ["can you deliver on the 31st of june", "31st june please", "june 31st", "june the 31st",
               "on the 30th of february", "the 31st of april", "on the 29th of feb 2027", "sept 31st"]
SPRING = ParseContext(timezone="Europe/London", now=datetime(2027, 3, 29, 11, tzinfo=UTC), region="GB")


@pytest.mark.parametrize("text", NO_SUCH_DAY)
def test_a_day_its_month_does_not_have_is_not_read_as_another_months_day(text: str) -> None:
    assert [c.value for c in dates.extract(text, SPRING)] == []


def test_the_day_of_a_real_month_is_still_read_as_that_day() -> None:
    """The mend's other side: a named month's real day, before or after it, is still read (and only as it)."""
    for said, day in [("the 30th of june", "2027-06-30"), ("june the 30th", "2027-06-30"), ("the 31st", "2027-03-31"),
                      ("on the 29th of feb 2028", "2028-02-29")]:
        assert [c.value for c in dates.extract(said, SPRING)] == [day], said


def test_a_shopper_asking_for_the_31st_of_june_is_not_offered_the_31st_of_march(runtime) -> None:  # noqa: ANN001
    with time_machine.travel(datetime(2027, 3, 29, 11, tzinfo=UTC), tick=True):
        with transaction(runtime.sessions) as session:
            seed_demo(session)
        reply = "\n".join(demo_say(runtime, "can you deliver on the 31st of june"))
    offered = set(re.findall(r"\d\) (.+?) \d\d:\d\d", reply))
    assert offered and offered != {"Wed 31 Mar"}, reply


# -- a person takes the conversation while the shopper's change is at the carrier -------------------------------
@pytest.fixture
def hung_note_carrier(env, interpreter) -> Iterator[tuple[Runtime, Carrier]]:  # noqa: ANN001
    """A carrier taking delivery notes whose writes wait for `release`; the slow-change path out of the way (the
    change is answered within the message), so the only thing between the call and the answer is the take-over."""
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE, PARCELBOT_SLOW_BACKEND_SECONDS="9")
    carrier = Carrier(mode="hang")
    with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE):
        yield rt, carrier
    rt.close()


def _taken_over(rt: Runtime) -> None:
    with rt.uow() as uow:
        conv = uow.session.scalar(select(m.Conversation).where(m.Conversation.address == SHOPPER))
        rt.services.handoff.take_over(uow, conv, agent_id=3, actor="agent:3", now=datetime.now(UTC))


def test_a_change_the_carrier_made_while_a_person_took_the_conversation_is_still_told(hung_note_carrier) -> None:  # noqa: ANN001
    """The shopper said YES; during the carrier call (no transaction open) an agent took the conversation; the
    carrier applied the note. The replayed turn met a conversation with a person and said nothing: the change was
    made and recorded, but the shopper was never told, and the transcript the agent reads showed no outcome."""
    rt, carrier = hung_note_carrier
    assert "YES" in say(rt, "add a note for the driver: ring twice")
    with ThreadPoolExecutor(1) as pool:
        yes = pool.submit(lambda: rt.engine.handle(InboundMessage("sms", SHOPPER, ACME, "yes",
                                                                  channel_message_id=new_sid())))
        for _ in range(2000):  # the write has reached the carrier (it notes the key, then waits for release)
            if carrier.writes:
                break
            time.sleep(0.01)
        assert carrier.writes
        threading.Thread(target=_taken_over, args=(rt,)).run()
        carrier.release.set()
        told = " | ".join(r.text for r in yes.result().replies)
    [change] = changes(rt)
    assert change.status == "accepted"
    assert "AC-REF-1" in told, told  # told what the carrier did, in answer to the YES
    with rt.sessions() as s:
        conv = s.scalar(select(m.Conversation).where(m.Conversation.address == SHOPPER))
        assert conv.status == "with_agent"  # the person keeps the conversation
        stored = list(s.scalars(select(m.Message.body).where(m.Message.conversation_id == conv.id,
                                                             m.Message.direction == "out")))
    assert any("AC-REF-1" in body for body in stored), stored  # the agent sees it in the transcript
    assert len(carrier.applied) == 1


# -- PostgreSQL restarted (every backend terminated) and already back: the first request on each stale connection --
def _restart_postgres() -> None:
    """What a restart or a failover leaves: every connection the app holds is terminated; the server is up again."""
    killer = backend_db.make_engine(PG_URL)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    killer.dispose()


def _sent(runtime, sid: str) -> int:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        conv = s.scalar(select(m.Conversation.id))
        merchant = s.scalar(select(m.Merchant.id))
        row = m.Message(merchant_id=merchant, conversation_id=conv, direction="out", channel="sms",
                        sender="+441614960000", recipient="+447700900123", body="Your code is 123456",
                        status="sent", channel_message_id=sid)
        s.add(row)
        s.flush()
        return row.id


@pytest.mark.skipif(not PG_URL, reason="terminates PostgreSQL backends")
def test_a_delivery_receipt_after_the_database_restarted_is_recorded_not_lost(runtime, demo, client,  # noqa: ANN001
                                                                              monkeypatch):
    """Twilio does not retry a status callback unless the URL asks it to, so a 503 loses the receipt. The database
    was back: only the pooled connection was stale (used within the last second, so not pinged). A turn runs once
    more on a fresh connection; the receipt answered 503 and the message stayed "sent" though it was delivered."""
    monkeypatch.setattr(backend_db, "PING_AFTER_IDLE_SECONDS", 3600.0)  # the connection is never idle long enough
    demo_say(runtime, "hi")
    message_id = _sent(runtime, "SMreceipt9")
    _restart_postgres()
    answer = twilio_post(client, "/twilio/status", {"MessageSid": "SMreceipt9", "MessageStatus": "delivered"},
                         token=TWILIO_TOKEN, public_url=PUBLIC_URL)
    assert answer.status_code == 204, answer.get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.get(m.Message, message_id).status == "delivered"


@pytest.mark.skipif(not PG_URL, reason="terminates PostgreSQL backends")
def test_the_health_check_after_the_database_restarted_says_ok(runtime, demo, client, monkeypatch):  # noqa: ANN001
    """A load balancer reading one 503 takes a healthy host out (docs/deployment.md's health checks): the database
    is up, only the connection the check was lent had died with the restart."""
    monkeypatch.setattr(backend_db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    assert client.get("/healthz").status_code == 200
    _restart_postgres()
    answer = client.get("/healthz")
    assert answer.status_code == 200, answer.get_data(as_text=True)
