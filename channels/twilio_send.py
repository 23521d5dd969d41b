"""Sending SMS and WhatsApp through Twilio's REST API (the outbox sender's real transport).

Errors are sorted into "try again later" (Twilio 5xx, 429, network trouble) and "will never work"
(a bad number, an unverified sender...), so the outbox retries only what can succeed. A request that left but
whose answer never came (a read timeout, a dropped connection) may have been taken: Twilio's Messages API has
no idempotency key, so before sending such a message again the sender looks for it among the messages Twilio
has to that number since the doubtful attempt, and if it is there records that send instead of texting twice.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from backend.resilience import retry_after_seconds
from bot.core.ports import Outgoing, SendError, SendResult

TIMEOUT_SECONDS = 15
# Picture messages over plain SMS only exist in the US and Canada; elsewhere the link goes in the text.
MMS_PREFIXES = ("+1",)
LOOKUP_LIMIT = 20  # the newest messages to a number searched for an earlier doubtful send
CLOCK_SLACK = timedelta(minutes=2)  # Twilio's clock and ours need not agree to the second
UNSUBSCRIBED = 21610  # "Attempt to send to unsubscribed recipient": they texted STOP to Twilio's opt-out handling


class TwilioSender:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, *, client: Client | None = None,
                 status_callback: str | None = None) -> None:
        self.http = _HeadersKept(timeout=TIMEOUT_SECONDS)
        self.client = client or Client(account_sid, auth_token, http_client=self.http)
        self.status_callback = status_callback  # where Twilio posts delivery receipts (channels/twilio_sms.py)

    def send(self, message: Outgoing) -> SendResult:
        if not message.sender.startswith("+"):
            raise SendError(f"the merchant has no {message.channel} number to send from", retry=False)
        prefix = "whatsapp:" if message.channel == "whatsapp" else ""
        body, media = _body_and_media(message)
        kwargs = {"from_": prefix + message.sender, "to": prefix + message.to, "body": body}
        if media:
            kwargs["media_url"] = media
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        if message.maybe_sent_since is not None:
            earlier = self._already_sent(kwargs, message.maybe_sent_since, message.recorded_ids)
            if earlier is not None:
                return earlier
        try:
            sent = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            retry = exc.status >= 500 or exc.status == 429
            raise SendError(f"Twilio answered {exc.status} (code {exc.code}): {exc.msg}", retry=retry,
                            status=exc.status, retry_after=self.http.retry_after(),
                            opted_out=exc.code == UNSUBSCRIBED) from exc
        except requests.ConnectTimeout as exc:  # never connected: nothing left
            raise SendError(f"couldn't reach Twilio: {exc}", retry=True, reached=False) from exc
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise SendError(f"couldn't reach Twilio: {exc}", retry=True, reached=False, maybe_sent=True) from exc
        return SendResult("sent", sent.sid)

    def _already_sent(self, kwargs: dict[str, Any], since: datetime, recorded: frozenset[str]) -> SendResult | None:
        """The message Twilio took in a doubtful attempt, if it did: same sender, recipient and text, created
        since that attempt began, and not a send already recorded for another row. If Twilio can't be asked,
        nothing is sent blind: try again later."""
        try:
            recent = self.client.messages.list(to=kwargs["to"], from_=kwargs["from_"], limit=LOOKUP_LIMIT)
        except TwilioRestException as exc:
            raise SendError(f"couldn't check with Twilio whether an earlier try went out: {exc.status} "
                            f"(code {exc.code}): {exc.msg}", retry=True, status=exc.status,
                            retry_after=self.http.retry_after(), maybe_sent=True) from exc
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise SendError(f"couldn't check with Twilio whether an earlier try went out: {exc}", retry=True,
                            reached=False, maybe_sent=True) from exc
        floor = _aware(since) - CLOCK_SLACK
        for earlier in recent:
            created = earlier.date_created
            if earlier.sid not in recorded and earlier.body == kwargs["body"] and (
                    created is None or _aware(created) >= floor):
                return SendResult("sent", earlier.sid)
        return None


class _HeadersKept(TwilioHttpClient):
    """Twilio's HTTP client, keeping the last response's Retry-After for this thread: TwilioRestException carries
    no headers, and a 429 that says how long to wait should be believed rather than hammered."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._last = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> Response:
        self._last.retry_after = None
        response = super().request(*args, **kwargs)
        self._last.retry_after = (response.headers or {}).get("Retry-After")
        return response

    def retry_after(self) -> float | None:
        return retry_after_seconds(getattr(self._last, "retry_after", None))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _body_and_media(message: Outgoing) -> tuple[str, list[str]]:
    media = list(message.media_urls)
    if not media or message.channel == "whatsapp" or message.to.startswith(MMS_PREFIXES):
        return message.body, media
    missing = [url for url in media if url not in message.body]
    return "\n".join([message.body, *missing]), []
