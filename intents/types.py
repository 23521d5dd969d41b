"""The NLU's answer, as plain data the rest of the bot can rely on without knowing the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class IntentScore:
    intent: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    """A span of the shopper's text with a meaning.

    ``value`` is the normalised value (an E.164 phone number, an upper-case postcode, an ISO date);
    ``resolved`` carries structured extras (a date range, a time window) where the entity has them.
    """

    entity: str
    value: str
    start: int
    end: int
    resolved: dict[str, Any] | None = None


@dataclass(frozen=True)
class ParseResult:
    text: str
    intent: str
    confidence: float
    ranking: list[IntentScore] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    # Set when the two best intents are too close to call: the bot asks "did you mean A or B?".
    clarify: tuple[str, str] | None = None
    # A "not X" read as an answer ("I'd rather you didn't leave it outside": a "deny"): the request X it refuses,
    # read from its words without the "not" (intents/rereading.py, `refusal`); None when the intent is X itself.
    refuses: str | None = None

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.entity == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "ranking": [{"intent": s.intent, "confidence": round(s.confidence, 4)} for s in self.ranking],
            "entities": [
                {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end} for e in self.entities
            ],
        }

    def to_saved(self) -> dict[str, Any]:
        """Everything needed to act on this parse later (a queued request, a clarified one), as JSON."""
        data = self.to_json()
        data["entities"] = [
            {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end, "resolved": e.resolved}
            for e in self.entities
        ]
        return data

    @classmethod
    def from_saved(cls, saved: dict[str, Any], *, intent: str | None = None,
                   confidence: float | None = None) -> ParseResult:
        return cls(
            text=saved.get("text") or "",
            intent=intent or str(saved.get("intent") or OUT_OF_SCOPE),
            confidence=float(saved.get("confidence") or 0.0) if confidence is None else confidence,
            ranking=[IntentScore(r["intent"], float(r["confidence"])) for r in saved.get("ranking") or []],
            entities=[
                Entity(e["entity"], e["value"], int(e["start"]), int(e["end"]), e.get("resolved"))
                for e in saved.get("entities") or []
            ],
        )


@dataclass(frozen=True)
class ParsedClause:
    """One part of a message that could be a request on its own (intents/discourse.py), parsed on its own."""

    text: str
    start: int
    end: int
    negated: bool
    parse: ParseResult
    corrects: bool = False  # comes after "no wait" / "i meant" / "actually": may replace the part before
    strong: bool = False  # the correction's words leave no doubt ("no wait", "i meant", "scratch that")
