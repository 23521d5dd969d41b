"""What a message means, read before the turn's transaction opens: the NLU's parse, a message's parts, and what can
still be read when the classifier is away.

Kept apart from the turn (bot/engine/__init__.py) because none of it touches the database: an NLU server over HTTP
is asked here, never with a transaction open.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from dialogues.kit.keywords import Keyword, keyword_in
from intents.collecting import collecting
from intents.complaint import complaint
from intents.context import ParseContext
from intents.discourse import clauses
from intents.flat_number import flat_number
from intents.interpreter import Interpreter, resolve_entities
from intents.missed_delivery import missed_delivery
from intents.opt_out import not_the_texts, texts_named, unless_asked_for
from intents.part_missing import part_missing
from intents.rereading import past_filler, refusal, request_beside_identifiers
from intents.return_call_off import return_called_off
from intents.types import OUT_OF_SCOPE, ParsedClause, ParseResult

# With the NLU down, a keyword is read as the intent that acts on it; a bare number (a one-time code, a menu
# choice) answers the open question.
KEYWORD_INTENTS = {Keyword.AGENT: "talk_to_human", Keyword.OPT_OUT: "opt_out", Keyword.YES: "affirm"}
_BARE_NUMBER = re.compile(r"[\d\s-]*\d[\d\s-]*")


def parse(interpreter: Interpreter, text: str, config: MerchantConfig, now: datetime) -> ParseResult:
    """The message's intent and entities, in the merchant's region and time zone ("tomorrow" is theirs)."""
    if not text:
        return ParseResult(text="", intent=OUT_OF_SCOPE, confidence=0.0)
    context = parse_context(config, now)
    parsed = interpreter.parse(text, context)
    parsed = past_filler(parsed, lambda rest: interpreter.parse(rest, context))
    parsed = request_beside_identifiers(parsed, lambda rest: interpreter.parse(rest, context))
    parsed = refusal(parsed, lambda rest: interpreter.parse(rest, context))
    parsed = unless_asked_for(parsed)  # "can you text me again" is no opt-out: one needs a word of stopping
    parsed = not_the_texts(parsed)  # "the van drove off without stopping" is a missed delivery, not an opt-out
    parsed = texts_named(parsed)  # "stop the order pings" stops the texts; "dont stop the updates" keeps them
    parsed = flat_number(parsed)  # "flat number is 4b" is a flat added to the address, not out of scope
    parsed = missed_delivery(parsed)  # "they tried to deliver but i was out": where it is now, and what next
    parsed = part_missing(parsed)  # "some of my order is missing": the claim for what came, not a missing parcel
    parsed = complaint(parsed)  # "the driver was rude": sorry, and a person, not the parcel's status
    parsed = return_called_off(parsed)  # "cancel my return": the return's own answer, not the order cancelled
    return collecting(parsed)  # "can I grab it from the rusholme store" is a collection point, not out of scope


def message_clauses(interpreter: Interpreter, text: str, config: MerchantConfig,
                    now: datetime) -> tuple[ParsedClause, ...]:  # fmt: skip
    """Two requests in one message ("leave it with number 9, and tell the driver about the dog"), a "not X"
    beside a request, or a correction ("..., no wait, the porch"): each part parsed on its own, so the
    dialogues can do both, never start X, and take the last word. Empty for a message of one plain part."""
    parts = clauses(text)
    if len(parts) < 2 and not any(c.corrects for c in parts):
        return ()
    return tuple(ParsedClause(c.text, c.start, c.end, c.negated, parse(interpreter, c.text, config, now),
                              c.corrects, c.strong) for c in parts)  # fmt: skip


def parse_context(config: MerchantConfig, now: datetime) -> ParseContext:
    return ParseContext(timezone=config.timezone, now=now, region=config.region,
                        order_number_pattern=config.order_number_pattern,
                        tracking_number_pattern=config.tracking_number_pattern)  # fmt: skip


def without_classifier(text: str, conv: m.Conversation, state: Any, config: MerchantConfig,
                       now: datetime) -> ParseResult | None:  # fmt: skip
    """The NLU is down: what can be read without a classifier, or None. A keyword (STOP, AGENT, HELP...: promises
    that never depend on a model), a bare number answering the open question (a one-time code, a menu choice), or
    anything said to a conversation with a person (who reads it); entities from our own resolvers."""
    word = keyword_in(text)
    answers = bool(state.open_flow and state.open_step) and _BARE_NUMBER.fullmatch(text.strip()) is not None
    if word is None and not answers and not conv.handed_off:
        return None
    intent = KEYWORD_INTENTS.get(word, OUT_OF_SCOPE) if word else OUT_OF_SCOPE
    return ParseResult(text=text, intent=intent, confidence=1.0 if intent != OUT_OF_SCOPE else 0.0,
                       entities=resolve_entities(text, [], parse_context(config, now)))
