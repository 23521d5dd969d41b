"""Review 10 of issue 16 (scale, faults, bad input): probes of Redis, Twilio's REST API, the carrier, races and
Celery, in other words than the issue's and earlier reviews'; each defect found is a test that failed on the code as
it stood.

Probes that found no defect (one line each):
- Redis cut between the outbox claim and Twilio's answer (the send path asks Redis for nothing): the sent row is
  recorded once, the lost one stays queued in doubt; new jobs reach the broker once Redis is back.
- Redis frozen (stalled, not refusing): a turn costs about half a second more, a job request about three; answered.
- The API's per-key limit with Redis cut and back: never a 500, counted in memory meanwhile, still refusing (429).
- Twilio 429 with Retry-After as an HTTP date: not asked again before that moment.
- Twilio connection reset (looked up before the next try), then 502, then a 500 with an HTML body, then 201: sent
  once, each failure's reason and attempt recorded.
- Carrier answering a write 302/307 (not followed), 204, or 200/201 with an empty body: kept under its key, asked
  again, told "not confirmed yet", then after 8 tries "we can't tell, reply AGENT"; never applied twice.
- PostgreSQL, real threads: a web chat typing its code while the recipient's phone confirms another change with
  its own code (max one change): one change, the other told why; the phone texting the web chat's code at the
  same moment: one change, the code used once (codes belong to the conversation that asked).
- PostgreSQL, two retry_pending runs started together (beat on two hosts) on one kept write: one carrier call,
  one change, one text.
- Not probed here: a 409 other than request_in_progress answering a retried write whose first try the carrier
  applied is read as a refusal; the carrier contract says a repeated key returns the original answer.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import responses
from sqlalchemy import select
from werkzeug.serving import make_server

from backend import models as m
from backend.db import transaction
from bot.config import Settings
from bot.core.outbox import queue_message
from bot.jobs.send_outbox import send_due
from bot.runtime import build_runtime
from bot.services.demo import seed_demo
from bot.web import create_app
from channels.twilio_send import TwilioSender
from tests.console.kit import make_user, sign_in, sign_in_page
from tests.console.test_handoff_end_to_end import SHOPPER as HANDED_OFF
from tests.console.test_handoff_end_to_end import text
from tests.faults.kit import message_row
from tests.faults.proxy import CuttableProxy
from tests.faults.test_redis_faults import _redis_up
from tests.test_pages_browser import page  # noqa: F401 - the browser fixture
from tests.test_pages_browser import pytestmark as needs_chromium

SID = "AC" + "7e" * 16
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
SHOPPER = "+447700900777"


def _twilio_error(status: int, code: int, words: str, headers: dict[str, str] | None = None) -> dict:
    body = json.dumps({"code": code, "message": words, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                       "status": status})
    return {"status": status, "body": body, "headers": headers or {}, "content_type": "application/json"}


def _accepted(_request) -> tuple[int, dict, str]:  # noqa: ANN001
    return 201, {}, json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"})


def _queue(runtime, demo, body: str = "Your parcel is out for delivery today") -> int:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        merchant.sms_number = merchant.sms_number or "+441614960000"
        return queue_message(session, merchant=merchant, channel="sms", to=SHOPPER, body=body).message.id



@responses.activate
def test_a_recipient_twilio_says_unsubscribed_is_recorded_as_opted_out_and_not_tried_again(runtime, demo):  # noqa: ANN001
    """Twilio answers 21610 when the shopper texted STOP to its own opt-out handling: that send can never work, and
    neither can the next. The first notice failed as it should, but the shopper's contact still said subscribed, so
    every later notice to them was sent to Twilio, refused and failed in turn."""
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    first = _queue(runtime, demo)
    responses.add(responses.POST, MESSAGES_URL,
                  **_twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))
    assert send_due(runtime, now=t0, sender=twilio) == 0
    row = message_row(runtime, first)
    assert (row.status, row.attempts) == ("failed", 1) and "21610" in row.error  # never retried
    with runtime.sessions() as session:
        contact = session.scalar(select(m.Contact).where(m.Contact.phone == SHOPPER))
        assert contact is not None and contact.opted_out_at is not None  # the opt-out is honoured here too
    with transaction(runtime.sessions) as session:  # a notice queued before the opt-out was known
        later = queue_message(session, merchant=session.merge(demo), channel="sms", to=SHOPPER,
                              body="Your parcel was delivered", ignore_opt_out=True).message.id
    send_due(runtime, now=t0 + timedelta(minutes=1), sender=twilio)
    assert len(responses.calls) == 1  # Twilio not asked again for them
    assert message_row(runtime, later).status == "suppressed"


@responses.activate
def test_a_text_twilio_refused_shows_in_the_agent_s_transcript_as_not_delivered_with_why(runtime, demo, client):  # noqa: ANN001
    """A text on a conversation a person has (their reply, a notice) that Twilio refuses for good (30007 filtered,
    21211 not a valid number) is recorded `failed` with the reason, but the console showed it like any text that
    went: the agent believed the shopper had it. The transcript says it wasn't delivered, and why, and so does the
    conversation API."""
    text(client, "AGENT")
    make_user(runtime)
    sign_in(client)
    conv_id = client.get("/api/v1/conversations?status=waiting").get_json()["conversations"][0]["id"]
    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        merchant.sms_number = merchant.sms_number or "+441614960000"
        queue_message(session, merchant=merchant, channel="sms", to=HANDED_OFF, body="Sorry for the wait, Sam here",
                      conversation_id=conv_id)
    responses.add(responses.POST, MESSAGES_URL, **_twilio_error(400, 30007, "Message filtered"))
    send_due(runtime, now=datetime.now(UTC), sender=TwilioSender(SID, "auth-token"))
    shown = client.get(f"/api/v1/conversations/{conv_id}").get_json()["messages"][-1]
    assert shown["status"] == "failed" and "30007" in (shown.get("error") or "")
    html = client.get(f"/console/c/{conv_id}").get_data(as_text=True)
    items = re.findall(r'<li class="msg[^"]*">.*?</li>', html, re.S)
    refused = next(li for li in items if "Sorry for the wait, Sam here" in li)
    assert "not delivered" in refused.lower() and "30007" in refused
    assert not any("not delivered" in li.lower() for li in items if li is not refused)  # only the refused one


@pytest.fixture
def console_on_redis(env, interpreter):  # noqa: ANN001, ANN201
    """The console served for real, its live updates through Redis behind a proxy the test can cut."""
    proxy, prefix = CuttableProxy("127.0.0.1", 6379), f"review10-{uuid.uuid4().hex[:8]}"
    url = f"redis://127.0.0.1:{proxy.port}/7"
    rt = build_runtime(Settings.from_env({**env, "REDIS_URL": url, "PARCELBOT_EVENTS": "redis",
                                          "PARCELBOT_EVENTS_PREFIX": prefix, "PARCELBOT_KEY_PREFIX": prefix}),
                       interpreter=interpreter, synchronous_jobs=True)
    with transaction(rt.sessions) as session:
        seed_demo(session)
    app = create_app(runtime=rt)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield rt, app, proxy, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    proxy.close()
    rt.close()


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
@needs_chromium
def test_a_handoff_made_while_redis_was_away_reaches_the_open_console_once_it_is_back(console_on_redis, page):  # noqa: ANN001, F811
    """An agent has the console open; Redis goes away, a shopper asks for a person (the event is lost: it is only
    news of a committed row), and Redis comes back. The console's stream reconnected, but the page re-read nothing
    until some later event came, which on a quiet morning is never: the waiting shopper stayed off the agent's
    queue. A stream that opens again after a break now reloads what it shows."""
    rt, app, proxy, url = console_on_redis
    make_user(rt)
    sign_in_page(page, url + "/console", "sam@acme.example")
    page.get_by_role("heading", name="Conversations").wait_for()
    page.locator("body[data-live=on]").wait_for()
    proxy.cut()
    page.locator("body[data-live=off]").wait_for()  # the stream ended with Redis
    text(app.test_client(), "I want to speak to someone please")  # handed off; its event goes nowhere
    proxy.restore()
    page.locator("#queue tr[data-id]", has_text=HANDED_OFF).wait_for()  # on the queue, with no reload by hand
