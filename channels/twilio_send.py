"""Sending SMS and WhatsApp through Twilio's REST API (the outbox sender's real transport).

Errors are sorted into "try again later" (Twilio 5xx, 429, network trouble) and "will never work"
(a bad number, an unverified sender...), so the outbox retries only what can succeed.
"""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.core.ports import Outgoing, SendError, SendResult

TIMEOUT_SECONDS = 15
# Picture messages over plain SMS only exist in the US and Canada; elsewhere the link goes in the text.
MMS_PREFIXES = ("+1",)


class TwilioSender:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, *, client: Client | None = None) -> None:
        self.client = client or Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS))

    def send(self, message: Outgoing) -> SendResult:
        if not message.sender.startswith("+"):
            raise SendError(f"the merchant has no {message.channel} number to send from", retry=False)
        prefix = "whatsapp:" if message.channel == "whatsapp" else ""
        body, media = _body_and_media(message)
        kwargs = {"from_": prefix + message.sender, "to": prefix + message.to, "body": body}
        if media:
            kwargs["media_url"] = media
        try:
            sent = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            retry = exc.status >= 500 or exc.status == 429
            raise SendError(f"Twilio answered {exc.status} (code {exc.code}): {exc.msg}", retry=retry,
                            status=exc.status) from exc
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise SendError(f"couldn't reach Twilio: {exc}", retry=True, reached=False) from exc
        return SendResult("sent", sent.sid)


def _body_and_media(message: Outgoing) -> tuple[str, list[str]]:
    media = list(message.media_urls)
    if not media or message.channel == "whatsapp" or message.to.startswith(MMS_PREFIXES):
        return message.body, media
    missing = [url for url in media if url not in message.body]
    return "\n".join([message.body, *missing]), []
