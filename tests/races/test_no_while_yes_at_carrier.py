"""A shopper's YES is with a remote carrier (asked with no transaction open and no lock held, bot/core/carrier.py)
when their NO ("no wait") arrives. Found by review: the NO was answered "OK, I haven't changed anything", then the
carrier made the change under the YES's key, the YES's own turn found the question closed (the help menu), and the
truth came by text ten minutes later. Now the NO is told the YES can't be called back, and the YES's turn answers
with what the carrier said. PostgreSQL: the two turns really run at once there (SQLite's writers take turns)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from backend.types import ActionKind
from tests.faults.kit import Carrier, acme_runtime, carrier_api, changes, say, texted

pytestmark = pytest.mark.skipif(not os.environ.get("PARCELBOT_TEST_DATABASE_URL"), reason="PostgreSQL race")


@pytest.fixture(params=["2", "20"], ids=["default deadline", "patient deadline"])
def note_carrier(request, env, interpreter):  # noqa: ANN001, ANN201
    rt = acme_runtime(env, interpreter, ActionKind.ADD_DELIVERY_NOTE, PARCELBOT_SLOW_BACKEND_SECONDS=request.param)
    carrier = Carrier()
    with carrier_api(carrier, ActionKind.ADD_DELIVERY_NOTE):
        yield rt, carrier
    rt.close()


def test_a_no_sent_while_the_yes_is_at_the_carrier_is_told_the_truth(note_carrier):  # noqa: ANN001
    rt, carrier = note_carrier
    assert "Just to check" in say(rt, "add a note for the driver: ring twice")
    carrier.mode = "hang"  # the carrier takes its time until released (inside the deadline)

    def no_once_the_yes_is_at_the_carrier() -> str:
        while not carrier.writes:
            time.sleep(0.005)
        answer = say(rt, "no")
        carrier.release.set()
        return answer

    with ThreadPoolExecutor(2) as pool:
        yes = pool.submit(say, rt, "yes")
        no = pool.submit(no_once_the_yes_is_at_the_carrier)
        yes_reply, no_reply = yes.result(60), no.result(60)
    assert [c.status for c in changes(rt)] == ["accepted"]  # the carrier made it, once
    assert "haven't changed" not in no_reply.lower() and "can't stop" in no_reply, no_reply
    assert "AC-REF-1" in yes_reply, yes_reply  # the YES's own answer says what the carrier did
    at = datetime.now(UTC) + timedelta(minutes=11)  # past the kept write's safety net: nothing more to tell
    rt.set_clock(lambda: at)
    rt.enqueue("retry_pending")
    assert texted(rt) == []
