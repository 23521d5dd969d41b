"""The embedded interpreter: text + merchant context -> ParseResult (intent, ranking, entities, clarify).

Decision rules, all calibrated at training time and stored in the model:
- the best intent is ``out_of_scope``, or its probability is below ``threshold`` -> ``out_of_scope``;
- otherwise, if the two best in-scope intents are within ``margin`` -> ``clarify = (best, second)``.

``resolve_entities`` puts any other backend's entities (a Rasa server's) through the same resolvers, so
every backend hands the journeys the same values for the same words.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from intents import embeddings
from intents.context import ParseContext
from intents.model import IntentModel
from intents.normalise import PH_ORDER, PH_TRACKING
from intents.types import OUT_OF_SCOPE, Entity, IntentScore, ParseResult

log = logging.getLogger(__name__)
RANKING_SIZE = 10
# Entity names the entity extractor owns; patterns.yml regex/lookup sections only add other names
# (or stand in for the extractor when it isn't installed).
KNOWN_ENTITIES = frozenset(
    {
        "order_number", "tracking_number", "postcode", "zip_code", "date", "time_window", "house_number",
        "neighbour", "safe_place", "phone_number", "email", "otp_code", "address", "item", "reason",
    }
)  # fmt: skip

# Entity types whose value our resolvers compute (an ISO date, a window, a normalised postcode...): another
# backend's value for them is never used as it is. The rest (item, reason, address, a merchant's own types)
# are plain text and come from the backend.
RESOLVED = frozenset({"date", "time_window", "postcode", "zip_code", "phone_number", "email", "order_number",
                      "tracking_number", "otp_code", "house_number", "neighbour", "safe_place"})  # fmt: skip
FREE_TEXT = frozenset({"neighbour", "safe_place"})  # resolved spans whose value is still words

try:
    from intents.entities import extract_entities as _extract_entities
except ImportError:  # entity extraction not installed: intents only (plus patterns.yml entities)
    _extract_entities = None


class Interpreter(Protocol):
    def parse(self, text: str, context: ParseContext | None = None) -> ParseResult: ...


@lru_cache(maxsize=256)
def _merchant_patterns(order: str | None, tracking: str | None) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for pattern, token in ((order, PH_ORDER), (tracking, PH_TRACKING)):
        if not pattern:
            continue
        try:
            out.append((re.compile(pattern, re.I), token))
        except re.error as exc:
            log.warning("ignoring invalid merchant pattern %r: %s", pattern, exc)
    return tuple(out)


class EmbeddedInterpreter:
    """Runs a trained IntentModel in-process; thread-safe (the model is read-only after load)."""

    def __init__(self, model: IntentModel) -> None:
        self.model = model
        if model.config.embeddings == "wordllama":
            embeddings.dim()  # load the table now, not on the first shopper's message
        elif model.config.embeddings == "minilm":
            from intents import minilm

            minilm.load()
        self.labels = model.labels
        self.oos = model.oos_index
        rx = model.normaliser_patterns.get("regexes", {})
        lk = model.normaliser_patterns.get("lookups", {})
        self._pattern_entities: list[tuple[str, re.Pattern[str]]] = [
            (name, re.compile(p, re.I)) for name, pats in rx.items() for p in pats
        ]
        for name, entries in lk.items():
            words = sorted({e.strip() for e in entries if e.strip()}, key=len, reverse=True)
            if words:
                alt = "|".join(re.escape(w) for w in words)
                self._pattern_entities.append((name, re.compile(rf"\b(?:{alt})\b", re.I)))

    @classmethod
    def load(cls, path: Path) -> EmbeddedInterpreter:
        return cls(IntentModel.load(path))

    def classify(self, text: str, context: ParseContext | None = None) -> ParseResult:
        """Intent only (no entities)."""
        ctx = context or ParseContext()
        tokens = self.model.tokens(text, _merchant_patterns(ctx.order_number_pattern, ctx.tracking_number_pattern))
        if not tokens:
            return ParseResult(text=text, intent=OUT_OF_SCOPE, confidence=0.0)
        return self.decide(text, self.model.proba_one(tokens))

    def decide(self, text: str, prob: np.ndarray) -> ParseResult:
        rules = self.model.rules
        order = np.argsort(-prob)
        top = int(order[0])
        ranking = [IntentScore(self.labels[i], float(prob[i])) for i in order[:RANKING_SIZE]]
        clarify = None
        if top == self.oos:
            intent, conf = OUT_OF_SCOPE, float(prob[top])
        elif prob[top] < rules.threshold:
            intent, conf = OUT_OF_SCOPE, 1.0 - float(prob[top])
            ranking = [IntentScore(OUT_OF_SCOPE, conf)] + [s for s in ranking if s.intent != OUT_OF_SCOPE]
            ranking = ranking[:RANKING_SIZE]
        else:
            intent, conf = self.labels[top], float(prob[top])
            second = next((int(i) for i in order[1:] if i != self.oos), None)
            if second is not None and prob[top] - prob[second] < rules.margin:
                clarify = (intent, self.labels[second])
        return ParseResult(text=text, intent=intent, confidence=conf, ranking=ranking, clarify=clarify)

    def entities(self, text: str, context: ParseContext) -> list[Entity]:
        found: list[Entity] = []
        if _extract_entities is not None:
            try:
                found = list(_extract_entities(text, context))
            except Exception:  # an entity bug must not take the intent down with it
                log.exception("entity extraction failed for a message")
        for name, pattern in self._pattern_entities:
            if _extract_entities is not None and name in KNOWN_ENTITIES:
                continue
            for m in pattern.finditer(text):
                if m.end() > m.start() and not any(m.start() < e.end and e.start < m.end() for e in found):
                    found.append(Entity(name, m.group(0), m.start(), m.end()))
        syn = self.model.synonyms
        if syn:
            found = [
                Entity(e.entity, syn.get(e.value.lower(), e.value), e.start, e.end, e.resolved) for e in found
            ]
        return sorted(found, key=lambda e: (e.start, e.end))

    def parse(self, text: str, context: ParseContext | None = None) -> ParseResult:
        ctx = context or ParseContext()
        result = self.classify(text, ctx)
        ents = self.entities(text, ctx) if text.strip() else []
        return ParseResult(
            text=result.text,
            intent=result.intent,
            confidence=result.confidence,
            ranking=result.ranking,
            entities=ents,
            clarify=result.clarify,
        )


def _overlaps(a: Entity, b: Entity) -> bool:
    return a.start < b.end and b.start < a.end


def _ours(text: str, context: ParseContext | None) -> list[Entity]:
    if _extract_entities is None:
        return []
    try:
        return list(_extract_entities(text, context or ParseContext()))
    except Exception:  # an entity bug must not take the intent down with it (as in the embedded backend)
        log.exception("entity extraction failed for a message")
        return []


def _their_synonym(text: str, ours: Entity, theirs: list[Entity]) -> Entity:
    if ours.entity not in FREE_TEXT:
        return ours
    for e in theirs:
        if e.entity == ours.entity and _overlaps(e, ours) and e.value.lower() != text[e.start : e.end].lower():
            return Entity(ours.entity, e.value, ours.start, ours.end, ours.resolved)
    return ours


def resolve_entities(text: str, theirs: list[Entity], context: ParseContext | None = None) -> list[Entity]:
    """The entities of ``text`` as the embedded backend gives them, whatever another NLU found.

    Our extractor reads the whole message (the same values the embedded backend yields). A span the other
    NLU found and we did not is kept when its type is plain text (item, reason, address, a merchant's own
    type), or re-read on its own by our resolvers when it is a type they own ("Friday" -> the ISO date);
    one they can't resolve is dropped, since a journey can ask for a missing date but can't act on "Friday".
    A free-text value the other NLU mapped through its synonyms ("in the shed" -> "shed", Rasa's
    EntitySynonymMapper) is kept, as the embedded backend maps it through the same training data's synonyms.
    """
    if _extract_entities is None:
        return sorted(theirs, key=lambda e: (e.start, e.end))
    found = [_their_synonym(text, e, theirs) for e in _ours(text, context)]
    for e in theirs:
        if not (0 <= e.start < e.end <= len(text)) or any(_overlaps(e, o) for o in found):
            continue
        if e.entity not in RESOLVED:
            found.append(e)
            continue
        again = [x for x in _ours(text[e.start : e.end], context) if x.entity == e.entity]
        if again:
            x = again[0]
            found.append(Entity(x.entity, x.value, e.start + x.start, e.start + x.end, x.resolved))
    return sorted(found, key=lambda e: (e.start, e.end))
