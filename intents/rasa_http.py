"""NLU backend that asks a running Rasa server (``POST /model/parse``) instead of the embedded model.

For merchants who already run Rasa: the bot speaks the same intents and entities either way. Rasa's intent
and ranking are kept; entity values are always our own resolvers' (``interpreter.resolve_entities``): a
Rasa pipeline without Duckling returns the raw words ("Friday", "tmrw") where the journeys act on an ISO
date in the merchant's zone, a normalised postcode, an E.164 number, and Rasa never sees the merchant's
clock, zone or id formats. Network trouble is raised as ``NLUUnavailable`` (the engine then reads only
what needs no classifier), every call is bounded by a timeout, and after a failure calls fail fast for
``retry_after`` seconds so a down server costs a shopper one wait, not one per message part.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from intents.context import ParseContext
from intents.interpreter import resolve_entities
from intents.types import OUT_OF_SCOPE, Entity, IntentScore, ParseResult

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = (2.0, 5.0)  # connect, read (seconds): a shopper's SMS webhook must answer well inside 15 s
RETRY_AFTER = 15.0  # seconds a failed server is not asked again
HEALTH_TIMEOUT = 1.0  # a health check never waits as long as a message would


class NLUUnavailable(RuntimeError):
    """The NLU backend could not be reached or answered with an error."""


@dataclass(frozen=True)
class NLUHealth:
    ok: bool
    detail: str = ""


class RasaHTTPInterpreter:
    # A parse is a round trip to another server: a turn waiting for it lends its place (bot/core/gate.py)
    waits_on_network = True

    def __init__(
        self,
        url: str,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        token: str | None = None,
        session: requests.Session | None = None,
        retry_after: float = RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url or not url.strip():
            raise ValueError("rasa_url is required for the 'rasa' NLU backend")
        self.endpoint = url.strip().rstrip("/") + "/model/parse"
        self.timeout = timeout
        self.token = token
        self.session = session or requests.Session()
        self.retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._down: tuple[float, str] | None = None  # (when, why) of the last failure, until a call succeeds

    def parse(self, text: str, context: ParseContext | None = None) -> ParseResult:
        down = self._down
        if down is not None and self._clock() - down[0] < self.retry_after:
            raise NLUUnavailable(f"{down[1]} (not asked again for {self.retry_after:.0f}s)")
        payload = self._post(text, self.timeout)
        return from_rasa(text, payload, context)

    def health(self, probe: bool = True) -> NLUHealth:
        """For /healthz: down while a recent failure stands; otherwise (with ``probe``) one short parse."""
        down = self._down
        if down is not None and self._clock() - down[0] < self.retry_after:
            return NLUHealth(False, down[1])
        if probe:
            try:
                self._post("ping", HEALTH_TIMEOUT)
            except NLUUnavailable as exc:
                return NLUHealth(False, str(exc))
        return NLUHealth(self._down is None, self._down[1] if self._down else "")

    def _post(self, text: str, timeout: float | tuple[float, float]) -> dict[str, Any]:
        try:
            payload = self._request(text, timeout)
        except NLUUnavailable as exc:
            with self._lock:
                if self._down is None:
                    log.warning("NLU server down: %s", exc)
                self._down = (self._clock(), str(exc))
            raise
        if self._down is not None:
            with self._lock:
                self._down = None
            log.warning("NLU server at %s answers again", self.endpoint)
        return payload

    def _request(self, text: str, timeout: float | tuple[float, float]) -> dict[str, Any]:
        params = {"token": self.token} if self.token else None
        try:
            resp = self.session.post(self.endpoint, json={"text": text}, params=params, timeout=timeout)
        except requests.Timeout as exc:
            raise NLUUnavailable(f"Rasa at {self.endpoint} timed out after {timeout}s") from exc
        except requests.RequestException as exc:
            raise NLUUnavailable(f"Rasa at {self.endpoint} unreachable: {exc}") from exc
        if resp.status_code != 200:
            raise NLUUnavailable(f"Rasa at {self.endpoint} answered HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            payload = resp.json()
        except ValueError as exc:
            raise NLUUnavailable(f"Rasa at {self.endpoint} returned invalid JSON") from exc
        if not isinstance(payload, dict):
            raise NLUUnavailable(f"Rasa at {self.endpoint} returned {type(payload).__name__}, not an object")
        return payload


def from_rasa(text: str, payload: dict[str, Any], context: ParseContext | None = None) -> ParseResult:
    """Map Rasa's /model/parse JSON to a ParseResult (``nlu_fallback`` counts as out_of_scope); entity values
    come from ``resolve_entities``."""

    def name(n: Any) -> str:
        return OUT_OF_SCOPE if n in (None, "", "nlu_fallback") else str(n)

    intent = payload.get("intent") or {}
    ranking = [
        IntentScore(name(r.get("name")), float(r.get("confidence") or 0.0))
        for r in payload.get("intent_ranking") or []
    ]
    theirs = []
    for e in payload.get("entities") or []:
        try:
            theirs.append(Entity(str(e["entity"]), str(e.get("value", "")), int(e["start"]), int(e["end"])))
        except (KeyError, TypeError, ValueError):
            continue  # entities without spans (e.g. from custom components) can't be placed
    return ParseResult(
        text=text,  # the text we sent: entity spans index it (Rasa may echo it back changed)
        intent=name(intent.get("name")),
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
        entities=resolve_entities(text, theirs, context),
    )
