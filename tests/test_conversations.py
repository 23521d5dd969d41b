"""Runs every script in tests/conversations/: SMS scripts through `parcelbot chat`'s path and through the signed
SMS webhook, REST scripts through the Rasa-style REST channel."""

from __future__ import annotations

import pytest

from backend import models as m
from backend.db import transaction
from bot.core.messages import InboundMessage
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.conversation_runner import load_scripts, run_script
from tests.helpers import new_sid, sms_form, twilio_post

SCRIPTS = load_scripts()
SMS = [s for s in SCRIPTS if s.channel == "sms"]
REST = [s for s in SCRIPTS if s.channel == "rest"]


def _apply_settings(runtime, settings: dict) -> None:  # noqa: ANN001
    if not settings:
        return
    with transaction(runtime.sessions) as s:
        merchant = s.query(m.Merchant).filter_by(slug="demo").one()
        merchant.settings = {**(merchant.settings or {}), **settings}


@pytest.mark.parametrize("script", SMS, ids=[f"{s.source}:{s.name}" for s in SMS])
def test_conversation_in_chat(script, runtime, demo):
    _apply_settings(runtime, script.merchant_settings)

    def send(text: str) -> list[str]:
        out = runtime.engine.handle(InboundMessage("cli", script.sender, "demo", text))
        return [r.text for r in out.replies]

    run_script(script, send, runtime)


@pytest.mark.parametrize("script", SMS, ids=[f"{s.source}:{s.name}" for s in SMS])
def test_conversation_over_sms_webhook(script, runtime, demo, client):
    import xml.etree.ElementTree as ET

    _apply_settings(runtime, script.merchant_settings)

    def send(text: str) -> list[str]:
        form = sms_form(text, sender=script.sender, sid=new_sid())
        response = twilio_post(client, "/twilio/sms", form, token=TWILIO_TOKEN, public_url=PUBLIC_URL)
        assert response.status_code == 200, response.get_data(as_text=True)
        root = ET.fromstring(response.get_data(as_text=True))
        return ["".join(msg.itertext()) for msg in root.findall("Message")]

    run_script(script, send, runtime)


@pytest.mark.parametrize("script", REST, ids=[f"{s.source}:{s.name}" for s in REST])
def test_conversation_over_rest(script, runtime, demo, client):
    _apply_settings(runtime, script.merchant_settings)

    def send(text: str) -> list[str]:
        response = client.post("/webhooks/rest/webhook", json={"sender": script.sender, "message": text})
        assert response.status_code == 200, response.get_data(as_text=True)
        replies = response.get_json()
        lines = [r["text"] for r in replies]
        titles = [b["title"] for r in replies for b in r.get("buttons") or ()]
        return lines + ([f"[buttons] {' | '.join(titles)}"] if titles else [])

    run_script(script, send, runtime)
