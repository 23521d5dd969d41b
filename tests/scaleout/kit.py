"""What the scale-out tests share: where Redis is, when they are skipped, and a text sent as Twilio sends it."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.conftest import PG_URL, PUBLIC_URL, TWILIO_TOKEN
from tests.helpers import sms_form
from tests.scaleout.topology import redis_up

REDIS_URL = os.environ.get("PARCELBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/8")

# Each test module's pytestmark: without PostgreSQL or Redis, skipped saying which.
NEEDS = [
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PARCELBOT_TEST_DATABASE_URL): SQLite is one host's file"),
    pytest.mark.skipif(not redis_up(REDIS_URL), reason=f"needs Redis at {REDIS_URL} (PARCELBOT_TEST_REDIS_URL)"),
]


def sms(base: str, text: str, sender: str, to: str = "+441614960000") -> list[str]:
    """A text as Twilio posts it: signed over the public URL, which is the load balancer's, not the host's."""
    form = sms_form(text, sender=sender, to=to)
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + "/twilio/sms", form)
    response = requests.post(base + "/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}, timeout=60)
    assert response.status_code == 200, response.text[:500]
    return ["".join(msg.itertext()) for msg in ET.fromstring(response.text).findall("Message")]
