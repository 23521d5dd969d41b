"""Every text the bot sends is a named template the merchant can reword in the console: no literal sentence is
queued or replied anywhere in the code (demo history rows are seed data, never sent), and the console's "a
person has joined / handed you back / resolved" texts follow the merchant's wording."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.messages import InboundMessage
from bot.services.console import Actor
from tests.helpers import new_sid

ROOT = Path(__file__).resolve().parents[2]
SENDERS = {"queue_message": "body", "Reply": "text", "_send": "body"}
SEED_DATA = {"bot/services/demo_history.py"}  # a demo's past conversations, written to the database, not sent


def _literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)
                                               and bool(node.value.strip()))


def _text_argument(call: ast.Call, keyword: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if keyword == "text" and call.args:
        return call.args[0]
    return None


def test_no_literal_sentence_is_sent():
    offenders = []
    for package in ("bot", "dialogues", "channels"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in SEED_DATA:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in SENDERS and _literal(_text_argument(node, SENDERS[name])):
                    offenders.append(f"{rel}:{node.lineno} {name}")
    assert offenders == []


def test_the_check_finds_a_literal():
    call = ast.parse('queue_message(session, merchant=x, channel="sms", to=y, body=f"Hi {name}")').body[0].value
    assert _literal(_text_argument(call, "body"))
    assert not _literal(_text_argument(ast.parse("Reply(say('utter_greet'))").body[0].value, "text"))


def test_the_console_texts_use_the_merchants_words(runtime, demo):  # noqa: ANN001
    shopper = "+447700900123"
    words = {"utter_agent_joined": "{name} of {brand} here, hello!", "utter_agent_handed_back": "Back to the bot.",
             "utter_agent_resolved": "All done, from {brand}."}
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**(merchant.settings or {}), "brand_name": "Zest", "responses": words}
    runtime.engine.handle(InboundMessage("sms", shopper, "+441614960000", "hello", channel_message_id=new_sid()))
    who = Actor("agent:sam@acme.example", "Sam")
    console, now = runtime.services.console, runtime.clock()
    for move in ("take_over", "hand_back", "resolve"):
        with runtime.uow() as uow:
            conv = uow.session.scalar(select(m.Conversation).where(m.Conversation.address == shopper))
            getattr(console, move)(uow, conv, who, now=now)
    with runtime.sessions() as s:
        sent = s.scalars(select(m.Message.body).where(m.Message.recipient == shopper, m.Message.direction == "out",
                                                      m.Message.status != "reply").order_by(m.Message.id)).all()
    assert sent == ["Sam of Zest here, hello!", "Back to the bot.", "All done, from Zest."]
