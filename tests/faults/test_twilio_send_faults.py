"""Twilio's REST API answers 429 or 5xx when the outbox sends: the message waits (Retry-After honoured when Twilio
gives one, else the outbox's own backoff), each failure is recorded on the message (its error and attempts), and
after the last try it ends "failed" with the reason, never sent twice and never silently dropped. Twilio is mocked
at the HTTP layer with `responses`; the sender is the real TwilioSender."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from backend import models as m
from backend.db import transaction
from bot.core.outbox import queue_message
from bot.jobs.send_outbox import LEASE, MAX_ATTEMPTS, MAX_WAIT, _take, send_due
from channels.twilio_send import TwilioSender
from tests.faults.kit import aware, message_row

SID = "AC" + "fa" * 16
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


def _error(status: int, headers: dict[str, str] | None = None) -> dict:
    body = json.dumps({"code": 20429 if status == 429 else 20500, "message": "busy", "more_info": "", "status": status})
    return {"status": status, "body": body, "headers": headers or {}, "content_type": "application/json"}


def _sent(_request) -> tuple[int, dict, str]:  # noqa: ANN001
    return 201, {}, json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"})


@pytest.fixture
def queued(runtime, demo) -> int:  # noqa: ANN001
    with transaction(runtime.sessions) as session:
        return queue_message(session, merchant=session.merge(demo), channel="sms", to="+447700900456",
                             body="Your parcel is on its way").message.id



@responses.activate
def test_a_429_waits_as_long_as_twilio_s_retry_after_says_then_sends_once(runtime, queued):
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    responses.add(responses.POST, MESSAGES_URL, **_error(429, {"Retry-After": "600"}))
    responses.add_callback(responses.POST, MESSAGES_URL, callback=_sent)
    assert send_due(runtime, now=t0, sender=twilio) == 0
    row = message_row(runtime, queued)
    assert (row.status, row.attempts) == ("queued", 1) and "429" in (row.error or "")  # recorded on the message
    assert send_due(runtime, now=t0 + timedelta(minutes=5), sender=twilio) == 0  # our own backoff (30 s) is shorter
    assert len(responses.calls) == 1  # Twilio not asked again before its Retry-After
    assert send_due(runtime, now=t0 + timedelta(minutes=11), sender=twilio) == 1
    row = message_row(runtime, queued)
    assert (row.status, row.error, len(responses.calls)) == ("sent", None, 2) and row.channel_message_id
    assert send_due(runtime, now=t0 + timedelta(hours=1), sender=twilio) == 0 and len(responses.calls) == 2


@responses.activate
def test_a_retry_after_longer_than_the_outbox_waits_is_capped(runtime, queued):
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    responses.add(responses.POST, MESSAGES_URL, **_error(429, {"Retry-After": str(7 * 24 * 3600)}))
    responses.add_callback(responses.POST, MESSAGES_URL, callback=_sent)
    send_due(runtime, now=t0, sender=twilio)
    assert send_due(runtime, now=t0 + MAX_WAIT + timedelta(seconds=1), sender=twilio) == 1


@responses.activate
def test_5xx_every_time_is_retried_with_backoff_then_failed_with_the_reason(runtime, queued):
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    responses.add(responses.POST, MESSAGES_URL, **_error(503))
    at = t0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert send_due(runtime, now=at, sender=twilio) == 0
        row = message_row(runtime, queued)
        assert row.attempts == attempt and "503" in (row.error or "")
        if attempt < MAX_ATTEMPTS:
            assert row.status == "queued" and aware(row.send_after) > at  # backing off
            at = aware(row.send_after) + timedelta(seconds=1)
    row = message_row(runtime, queued)
    assert row.status == "failed" and "503" in row.error  # the final status, with why
    assert send_due(runtime, now=at + timedelta(days=1), sender=twilio) == 0
    assert len(responses.calls) == MAX_ATTEMPTS  # never more tries than promised


class _Twilio:
    """Twilio's Messages resource as far as the outbox uses it: a POST creates a message (and may lose its answer
    on the way back, as a read timeout does), the list answers the newest first, filtered by To and From."""

    def __init__(self) -> None:
        self.created: list[dict] = []
        self.lose_answers = 0  # the next N POSTs create the message and then time out
        self.lose_requests = 0  # the next N POSTs time out before Twilio creates anything

    def accept(self, to: str, sender: str, body: str) -> dict:
        message = {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": to, "from": sender, "body": body,
                   "date_created": format_datetime(datetime.now(UTC), usegmt=True), "date_sent": None}
        self.created.append(message)
        return message

    def create(self, request) -> tuple[int, dict, str] | Exception:  # noqa: ANN001
        if self.lose_requests:
            self.lose_requests -= 1
            return requests.exceptions.ReadTimeout("read timed out")
        form = dict(parse_qsl(request.body))
        message = self.accept(form["To"], form["From"], form["Body"])
        if self.lose_answers:  # Twilio took it; the answer never reached us
            self.lose_answers -= 1
            return requests.exceptions.ReadTimeout("read timed out")
        return 201, {}, json.dumps(message)

    def list(self, request) -> tuple[int, dict, str]:  # noqa: ANN001
        query = dict(parse_qsl(urlsplit(request.url).query))
        found = [msg for msg in reversed(self.created)
                 if msg["to"] == query.get("To", msg["to"]) and msg["from"] == query.get("From", msg["from"])]
        page = {"messages": found, "first_page_uri": "", "next_page_uri": None, "previous_page_uri": None,
                "page": 0, "page_size": 50, "uri": ""}
        return 200, {}, json.dumps(page)

    def mock(self) -> None:
        responses.add_callback(responses.POST, MESSAGES_URL, callback=self.create)
        responses.add_callback(responses.GET, MESSAGES_URL, callback=self.list)


@pytest.fixture
def sender_number(runtime, demo) -> str:  # noqa: ANN001
    """The demo merchant's number: what a real send goes out from (a row without one never reaches Twilio)."""
    with transaction(runtime.sessions) as session:
        merchant = session.merge(demo)
        merchant.sms_number = merchant.sms_number or "+441614960000"
        return merchant.sms_number


@responses.activate
def test_a_text_twilio_took_whose_answer_was_lost_is_not_sent_again(runtime, queued, sender_number):
    """A read timeout after Twilio accepted the message: the shopper has the text. Sending it again on the
    retry texted them twice (a code twice, a delivery notice twice); the retry asks Twilio first."""
    twilio, api, t0 = TwilioSender(SID, "auth-token"), _Twilio(), datetime.now(UTC)
    api.mock()
    api.lose_answers = 1
    assert send_due(runtime, now=t0, sender=twilio) == 0
    assert (message_row(runtime, queued).status, len(api.created)) == ("queued", 1)  # not known to be sent: kept queued
    assert send_due(runtime, now=t0 + timedelta(minutes=1), sender=twilio) == 1
    row = message_row(runtime, queued)
    assert len(api.created) == 1  # one text on the shopper's phone
    assert (row.status, row.channel_message_id) == ("sent", api.created[0]["sid"])


@responses.activate
def test_a_text_whose_answer_was_lost_before_twilio_took_it_is_sent_on_the_retry(runtime, queued, sender_number):
    """The same read timeout, but Twilio never created the message: the retry finds nothing and sends it."""
    twilio, api, t0 = TwilioSender(SID, "auth-token"), _Twilio(), datetime.now(UTC)
    api.mock()
    api.lose_requests = 1
    assert send_due(runtime, now=t0, sender=twilio) == 0 and not api.created
    assert send_due(runtime, now=t0 + timedelta(minutes=1), sender=twilio) == 1
    assert len(api.created) == 1 and message_row(runtime, queued).status == "sent"


@responses.activate
def test_a_sender_that_died_mid_send_is_not_followed_by_a_second_text(runtime, queued, sender_number):
    """The worker was killed (kill -9, an OOM) after Twilio took the message and before the row said so: when its
    lease runs out the row is claimed again, and the next sender asks Twilio before it texts the shopper again."""
    twilio, api, t0 = TwilioSender(SID, "auth-token"), _Twilio(), datetime.now(UTC)
    api.mock()
    taken = _take(runtime.sessions, queued, t0)
    assert taken is not None
    out, _ = taken
    api.accept(out.to, out.sender, out.body)  # the POST went through; the process died before it recorded the answer
    assert send_due(runtime, now=t0 + LEASE + timedelta(seconds=1), sender=twilio) == 1
    assert len(api.created) == 1 and message_row(runtime, queued).channel_message_id == api.created[0]["sid"]


@responses.activate
def test_a_429_stops_the_rest_of_the_batch_instead_of_spending_every_row_s_tries(runtime, queued):
    """Twilio's 429 is about the account (too many requests), not the message: the sweep went on through its
    batch of up to 100 rows, asked Twilio once per row while it was saying "slow down", and spent one of each
    row's 5 tries, so a long rate-limit on a busy morning failed messages for good. The rest of the batch waits,
    untouched, for the next sweep."""
    twilio, t0 = TwilioSender(SID, "auth-token"), datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        merchant = session.get(m.Merchant, message_row(runtime, queued).merchant_id)
        others = [queue_message(session, merchant=merchant, channel="sms", to="+447700900456",
                                body=f"Notice {i}").message.id for i in range(3)]
    responses.add(responses.POST, MESSAGES_URL, **_error(429))
    assert send_due(runtime, now=t0, sender=twilio) == 0
    assert len(responses.calls) == 1  # asked once, not once per row
    assert [message_row(runtime, i).attempts for i in others] == [0, 0, 0]  # their tries not spent
    responses.remove(responses.POST, MESSAGES_URL)
    responses.add_callback(responses.POST, MESSAGES_URL, callback=_sent)
    assert send_due(runtime, now=t0 + timedelta(seconds=10), sender=twilio) == 3  # the next sweep sends them


@responses.activate
def test_two_rows_with_the_same_text_are_never_taken_for_one_another(runtime, demo, queued, sender_number):
    """A notice sent twice on purpose (the same words to the same phone): the first went out and was recorded, the
    second's answer was lost before Twilio took it. The look-up found the first one's text and took it for the
    second's, whose record then broke the unique SID (every retry the same: never sent). A SID recorded on
    another row is now never this row's: the second is sent, once."""
    twilio, api, t0 = TwilioSender(SID, "auth-token"), _Twilio(), datetime.now(UTC)
    api.mock()
    assert send_due(runtime, now=t0, sender=twilio) == 1  # the first: sent and recorded
    with transaction(runtime.sessions) as session:
        first = session.get(m.Message, queued)
        second = queue_message(session, merchant=session.merge(demo), channel="sms", to=first.recipient,
                               body=first.body).message.id
    api.lose_requests = 1
    assert send_due(runtime, now=t0 + timedelta(seconds=5), sender=twilio) == 0 and len(api.created) == 1
    assert send_due(runtime, now=t0 + timedelta(minutes=1), sender=twilio) == 1
    assert len(api.created) == 2  # the shopper gets the second text too
    sids = message_row(runtime, second).channel_message_id, message_row(runtime, queued).channel_message_id
    assert sids[0] == api.created[1]["sid"] != sids[1]
