"""NLU backend that asks a running Rasa server (``POST /model/parse``) instead of the embedded model.

For merchants who already run Rasa: the bot speaks the same intents and entities either way. Network
trouble is raised as ``NLUUnavailable`` so the engine can answer with a fallback instead of crashing.
"""

from __future__ import annotations

from typing import Any

import requests

from intents.context import ParseContext
from intents.types import OUT_OF_SCOPE, Entity, IntentScore, ParseResult

DEFAULT_TIMEOUT = (3.05, 10.0)  # connect, read (seconds)


class NLUUnavailable(RuntimeError):
    """The NLU backend could not be reached or answered with an error."""


class RasaHTTPInterpreter:
    def __init__(
        self,
        url: str,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        token: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if not url:
            raise ValueError("rasa_url is required for the 'rasa' NLU backend")
        self.endpoint = url.rstrip("/") + "/model/parse"
        self.timeout = timeout
        self.token = token
        self.session = session or requests.Session()

    def parse(self, text: str, context: ParseContext | None = None) -> ParseResult:
        params = {"token": self.token} if self.token else None
        try:
            resp = self.session.post(self.endpoint, json={"text": text}, params=params, timeout=self.timeout)
        except requests.Timeout as exc:
            raise NLUUnavailable(f"Rasa at {self.endpoint} timed out after {self.timeout}s") from exc
        except requests.RequestException as exc:
            raise NLUUnavailable(f"Rasa at {self.endpoint} unreachable: {exc}") from exc
        if resp.status_code != 200:
            raise NLUUnavailable(f"Rasa at {self.endpoint} answered HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            payload = resp.json()
        except ValueError as exc:
            raise NLUUnavailable(f"Rasa at {self.endpoint} returned invalid JSON") from exc
        return from_rasa(text, payload)


def from_rasa(text: str, payload: dict[str, Any]) -> ParseResult:
    """Map Rasa's /model/parse JSON to a ParseResult (``nlu_fallback`` counts as out_of_scope)."""

    def name(n: Any) -> str:
        return OUT_OF_SCOPE if n in (None, "", "nlu_fallback") else str(n)

    intent = payload.get("intent") or {}
    ranking = [
        IntentScore(name(r.get("name")), float(r.get("confidence") or 0.0))
        for r in payload.get("intent_ranking") or []
    ]
    entities = []
    for e in payload.get("entities") or []:
        try:
            entities.append(Entity(str(e["entity"]), str(e.get("value", "")), int(e["start"]), int(e["end"])))
        except (KeyError, TypeError, ValueError):
            continue  # entities without spans (e.g. from custom components) can't be placed
    return ParseResult(
        text=payload.get("text", text),
        intent=name(intent.get("name")),
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
        entities=entities,
    )
