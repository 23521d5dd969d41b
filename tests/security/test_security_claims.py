"""Claims can lead to refunds: someone who only knows the tracking number and postcode must also have the
recipient's one-time code before a claim is opened."""

from __future__ import annotations

from sqlalchemy import func, select

from backend import models as m
from tests.helpers import say

STRANGER = "+447700900999"
RECIPIENT = "+447700900789"


def _claims(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(m.DeliveryChange).where(
            m.DeliveryChange.action.like("claim_%")))


def test_a_stranger_with_number_and_postcode_cannot_open_a_claim_without_the_code(runtime, demo):
    say(runtime, "it says PB100000003GB was delivered but it's not here", sender=STRANGER)
    say(runtime, "M1 4BT", sender=STRANGER)
    replies = say(runtime, "no, still not here", sender=STRANGER)
    assert any("code" in r for r in replies)
    assert _claims(runtime) == 0
    with runtime.sessions() as s:
        sent = s.scalars(select(m.Message.recipient).where(m.Message.status != "reply",
                                                          m.Message.direction == "out")).all()
    assert sent == [RECIPIENT]


def test_the_recipient_on_their_own_number_opens_a_claim(runtime, demo):
    say(runtime, "it says delivered but it's not here", sender=RECIPIENT)
    replies = say(runtime, "no, still not here", sender=RECIPIENT)
    assert any("CLM-" in r for r in replies)
    assert _claims(runtime) == 1


def test_the_api_outbox_hides_one_time_codes_once_real_sending_is_on(env, interpreter, demo):
    """In the sandbox the outbox is how a newcomer reads their code; with Twilio configured, an API key
    (which carriers hold too) must not be a way to read a shopper's code."""
    from backend.db import transaction
    from bot.config import Settings
    from bot.core.apikeys import create_key
    from bot.runtime import build_runtime
    from bot.web import create_app

    live = build_runtime(Settings.from_env({**env, "TWILIO_ACCOUNT_SID": "AC" + "2" * 32}),
                         interpreter=interpreter, synchronous_jobs=True)
    import re

    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:  # no real network, ever
        twilio.post(re.compile(r"https://api\.twilio\.com/.*"), status=201,
                    json={"sid": "SM" + "3" * 32, "status": "queued"})
        say(live, "leave it with number 22", sender="+447700900123")
        say(live, "yes", sender="+447700900123")
    with transaction(live.sessions) as s:
        key, _ = create_key(s, s.scalar(select(m.Merchant)))
    rows = create_app(runtime=live).test_client().get(
        "/api/v1/outbox?to=%2B447700900123", headers={"Authorization": f"Bearer {key}"}).get_json()
    codes = [r for r in rows if "hidden" in r["body"]]
    assert codes and not any(ch.isdigit() for r in codes for ch in r["body"])
