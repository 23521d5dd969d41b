"""Found by review: a YES whose change the carrier made just before the database went away, kept and then overtaken.

The turn keeps the write ahead, the carrier takes the change, and the database goes away before the answer is
recorded: the shopper hears "we've got your message and will text you". The database comes back, the shopper
texts again before replay_kept runs (10 s), and the kept YES is "not acted on" (bot/engine/ `_not_acted_on`,
`_too_late`): the shopper is texted "... so nothing has been done with it". The carrier had made the change:
retry_pending then finds the write kept ahead and texts "Confirmed by the carrier". Told both, in that order. Now
the "too late" answer sees the write kept ahead for the conversation (backend/pending.kept_for_conversation) and
says the change had gone to the carrier, and the outcome text follows."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from backend.types import ActionKind
from bot.core.messages import InboundMessage
from bot.core.outage import StoreUnavailable
from bot.jobs.replay import replay_kept
from tests.faults.kit import ACME, SHOPPER, Carrier, acme_runtime, carrier_api, changes, say, texted
from tests.helpers import new_sid

ASK = "add a note for the driver: ring twice"


@pytest.mark.sqlite_only
def test_a_kept_yes_whose_change_was_made_is_not_told_nothing_was_done(env, interpreter, db_url):  # noqa: ANN001
    kind = ActionKind.ADD_DELIVERY_NOTE
    rt = acme_runtime(env, interpreter, kind)
    path = Path(make_url(db_url).database or "")
    aside = path.with_suffix(".aside")
    carrier = Carrier()
    took = carrier.write

    def write_then_database_goes(request):  # noqa: ANN001, ANN202
        out = took(request)  # the carrier makes the change ...
        if len(carrier.writes) > 1:
            return out  # a later write (the retry): the database stays
        rt.db.dispose()  # ... and the database goes away before our side records the answer
        os.replace(path, aside)
        path.mkdir()
        return out

    carrier.write = write_then_database_goes  # read by carrier_api when it registers the callback
    try:
        with carrier_api(carrier, kind):
            assert "Just to check" in say(rt, ASK)
            with pytest.raises(StoreUnavailable) as kept:
                rt.engine.handle(InboundMessage("sms", SHOPPER, ACME, "yes", channel_message_id=new_sid()))
            assert "text you" in kept.value.reply  # "we've got your message and will text you the answer"
            assert len(carrier.applied) == 1  # the carrier made the change
            shutil.rmtree(path)
            os.replace(aside, path)  # the database is back
            say(rt, "hello?")  # the shopper writes again before the replay runs
            assert replay_kept(rt) == 1
            at = datetime.now(UTC) + timedelta(minutes=11)
            rt.set_clock(lambda: at)
            rt.enqueue("retry_pending")
            [change] = changes(rt)
            told = texted(rt)
            assert change.status == "accepted"  # made, under the YES's key, and recorded
            # never "nothing has been done" about a message whose change the carrier made
            assert not any("nothing has been done" in t for t in told), told
            # told what is true: it went to the carrier, and what the carrier said follows, once
            assert any("had already gone to the carrier" in t for t in told), told
            assert len([t for t in told if "AC-REF-1" in t]) == 1, told
    finally:
        rt.close()
