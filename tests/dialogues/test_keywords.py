"""Opt-out keywords as Twilio's Advanced Opt-Out reads them, kept in our own records (which every proactive text
checks): UNSTOP and "Start please" re-subscribe, a bare CANCEL opts out only with nothing open, YES
re-subscribes only a number that opted out, every keyword is idempotent, HELP says how to stop and how to reach
the merchant. Each test reads the contact row or the outbox, not only the wording."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from dialogues.kit.keywords import Keyword, keyword_for, keyword_in
from tests.security.security_kit import OWN, TRACKING, audits, merchant_settings, opted_out, rest, sent_to, talk

FAILED = "+447700900321"


@pytest.fixture
def auth(runtime, demo) -> dict[str, str]:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        key, _ = create_key(s, s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")))
    return {"Authorization": f"Bearer {key}"}


def _notified(client, auth: dict[str, str], status: str, event_id: str) -> bool:  # noqa: ANN001
    body = {"event_id": event_id, "status": status, "occurred_at": datetime.now(UTC).isoformat()}
    response = client.post(f"/api/v1/shipments/{TRACKING}/events", json=body, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return bool(response.get_json()["notification_queued"])


# -- the words ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "keyword"), [
    ("STOP", Keyword.OPT_OUT), ("Stop.", Keyword.OPT_OUT), ("stop pls", Keyword.OPT_OUT),
    ("STOPALL", Keyword.OPT_OUT), ("stop all", Keyword.OPT_OUT), ("Unsubscribe", Keyword.OPT_OUT),
    ("END", Keyword.OPT_OUT), ("quit", Keyword.OPT_OUT), ("please stop texting me", Keyword.OPT_OUT),
    ("cancel", Keyword.CANCEL), ("CANCEL.", Keyword.CANCEL),
    ("START", Keyword.OPT_IN), ("Start please", Keyword.OPT_IN), ("UNSTOP", Keyword.OPT_IN),
    ("unstop pls", Keyword.OPT_IN), ("start texting me again", Keyword.OPT_IN),
    ("yes", Keyword.YES), ("Yes please", Keyword.YES), ("HELP", Keyword.HELP), ("info", Keyword.HELP),
    ("help me", Keyword.HELP), ("BOT", Keyword.BOT), ("back to the bot pls", Keyword.BOT),
    ("AGENT", Keyword.AGENT),
])
def test_a_whole_message_is_a_keyword(text, keyword):
    assert keyword_in(text) is keyword


@pytest.mark.parametrize("text", ["cancel please", "cancel my order", "stop again", "help me find my parcel",
                                  "stop sending me pickup points", "yes leave it with number 4", "the bottle"])
def test_a_sentence_is_not_a_keyword(text):
    assert keyword_in(text) is None


@pytest.mark.parametrize("text", ["turn my texts back on", "resume texts please", "opt me back in",
                                  "i want the updates back"])
def test_asking_for_texts_back_is_an_opt_in_even_if_the_nlu_reads_an_opt_out(text):
    assert keyword_for(text, "opt_out") is Keyword.OPT_IN


@pytest.mark.parametrize("text", ["stop the delivery", "can you stop the parcel", "stop my order"])
def test_stopping_the_parcel_is_never_an_opt_out(text):
    assert keyword_for(text, "opt_out") is None


# -- what they do ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("back_in", ["UNSTOP", "unstop", "Start please", "start", "yes", "turn my texts back on"])
def test_opting_back_in_brings_texts_back(client, runtime, auth, back_in):
    talk(runtime, OWN, "STOP")
    assert opted_out(runtime, OWN) and not _notified(client, auth, "out_for_delivery", "ev-1")
    reply = talk(runtime, OWN, back_in)
    assert "Welcome back" in reply and "unsubscribed" not in reply
    assert not opted_out(runtime, OWN)
    assert _notified(client, auth, "failed_attempt", "ev-2")


def test_stop_twice_is_recorded_once(runtime, demo):
    talk(runtime, OWN, "STOP")
    assert "already unsubscribed" in talk(runtime, OWN, "stop")
    assert len(audits(runtime, "opt_out", result="opted_out")) == 1


def test_a_bare_cancel_with_nothing_open_opts_out(client, runtime, auth):
    reply = talk(runtime, OWN, "CANCEL")
    assert "unsubscribed" in reply and "START" in reply
    assert opted_out(runtime, OWN)
    assert not _notified(client, auth, "out_for_delivery", "ev-1")


def test_cancel_inside_a_journey_cancels_the_journey_not_the_texts(runtime, demo):
    assert "YES" in talk(runtime, OWN, "leave it with number 22")
    reply = talk(runtime, OWN, "cancel")
    assert "nothing was changed" in reply and "unsubscribed" not in reply
    assert not opted_out(runtime, OWN)


def test_yes_answers_the_question_for_a_number_that_neveropted_out(runtime, demo):
    talk(runtime, OWN, "leave it with number 22")
    reply = talk(runtime, OWN, "yes")
    assert "code" in reply and "Welcome back" not in reply
    assert sent_to(runtime, OWN)  # the code went out
    assert audits(runtime, "opt_in") == []


def test_start_on_a_number_that_never_opted_out_changes_nothing(runtime, demo):
    assert "already on" in talk(runtime, OWN, "START")
    assert audits(runtime, "opt_in") == [] and not opted_out(runtime, OWN)


def test_yes_from_an_opted_out_number_asks_the_open_question_again(runtime, demo):
    talk(runtime, FAILED, "STOP")
    asked = talk(runtime, FAILED, "leave it with number 8")  # answered, though Twilio would block the reply
    assert "YES" in asked
    reply = talk(runtime, FAILED, "yes")
    assert "Welcome back" in reply and "number 8" in reply  # re-subscribed, and the question is back
    assert not opted_out(runtime, FAILED)
    assert "code" in talk(runtime, FAILED, "yes")  # now YES answers it


def test_help_says_how_to_stop_and_how_to_reach_the_merchant(runtime, demo):
    merchant_settings(runtime, support_contact={"phone": "0161 496 0999"})
    reply = talk(runtime, OWN, "HELP")
    assert "STOP" in reply and "AGENT" in reply and "0161 496 0999" in reply
    assert "STOP" in talk(runtime, OWN, "what can you do")  # the NLU's help intent says the same


def test_the_web_chat_has_no_number_to_opt_out(runtime, demo, client):
    reply = rest(client, "web-kw", "STOP")
    assert "stopped" in reply and "unsubscribed" not in reply
    assert "unsubscribed" not in rest(client, "web-kw", "cancel")
    with runtime.sessions() as s:
        assert s.scalars(select(m.Contact)).all() == []
