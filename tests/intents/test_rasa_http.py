from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

import intents
from intents.context import ParseContext
from intents.rasa_http import RasaHTTPInterpreter

URL = "http://rasa.test:5005"

# Shaped exactly like Rasa 3.x's POST /model/parse response.
RASA_RESPONSE = {
    "text": "leave it with number 12 tmrw",
    "intent": {"name": "leave_with_neighbour", "confidence": 0.9123},
    "entities": [
        {"entity": "house_number", "start": 21, "end": 23, "confidence_entity": 0.99, "value": "12",
         "extractor": "DIETClassifier", "processors": ["EntitySynonymMapper"]},
        {"entity": "date", "start": 24, "end": 28, "value": "2026-11-02", "extractor": "RegexEntityExtractor"},
    ],
    "text_tokens": [[0, 5], [6, 8], [9, 13], [14, 20], [21, 23], [24, 28]],
    "intent_ranking": [
        {"name": "leave_with_neighbour", "confidence": 0.9123},
        {"name": "leave_in_safe_place", "confidence": 0.05},
        {"name": "nlu_fallback", "confidence": 0.03},
    ],
    "response_selector": {"all_retrieval_intents": [], "default": {"response": {}, "ranking": []}},
}  # fmt: skip


@responses.activate
def test_parse_maps_rasa_payload() -> None:
    responses.add(responses.POST, f"{URL}/model/parse", json=RASA_RESPONSE, status=200)
    interp = intents.load_interpreter("rasa", rasa_url=URL + "/")
    now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    res = interp.parse("leave it with number 12 tmrw", ParseContext(now=now))
    assert json.loads(responses.calls[0].request.body) == {"text": "leave it with number 12 tmrw"}
    assert responses.calls[0].request.url == f"{URL}/model/parse"
    assert res.intent == "leave_with_neighbour" and res.confidence == pytest.approx(0.9123)
    assert [(s.intent, s.confidence) for s in res.ranking] == [
        ("leave_with_neighbour", 0.9123), ("leave_in_safe_place", 0.05), ("out_of_scope", 0.03)
    ]  # fmt: skip
    # Values are our resolvers' (tomorrow of the context's clock), spans Rasa's and ours agree on.
    assert res.to_json()["entities"] == [
        {"entity": "house_number", "value": "12", "start": 21, "end": 23},
        {"entity": "date", "value": (now + timedelta(days=1)).date().isoformat(), "start": 24, "end": 28},
    ]


@responses.activate
def test_nlu_fallback_and_null_intent_are_out_of_scope() -> None:
    payload = {"text": "blah", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": [],
               "intent_ranking": []}  # fmt: skip
    responses.add(responses.POST, f"{URL}/model/parse", json=payload)
    responses.add(responses.POST, f"{URL}/model/parse", json={"text": "", "intent": None, "entities": []})
    interp = RasaHTTPInterpreter(URL)
    assert interp.parse("blah").intent == "out_of_scope"
    assert interp.parse("").intent == "out_of_scope"


@responses.activate
def test_server_error_raises_nlu_unavailable() -> None:
    responses.add(responses.POST, f"{URL}/model/parse", json={"error": "boom"}, status=500)
    with pytest.raises(intents.NLUUnavailable, match="HTTP 500"):
        RasaHTTPInterpreter(URL).parse("hi")


@responses.activate
def test_timeout_raises_nlu_unavailable() -> None:
    responses.add(responses.POST, f"{URL}/model/parse", body=requests.ReadTimeout("slow"))
    with pytest.raises(intents.NLUUnavailable, match="timed out"):
        RasaHTTPInterpreter(URL, timeout=0.5).parse("hi")


@responses.activate
def test_connection_error_and_bad_json_raise_nlu_unavailable() -> None:
    responses.add(responses.POST, f"{URL}/model/parse", body=requests.ConnectionError("refused"))
    with pytest.raises(intents.NLUUnavailable, match="unreachable"):
        RasaHTTPInterpreter(URL).parse("hi")
    responses.replace(responses.POST, f"{URL}/model/parse", body="<html>", status=200)
    with pytest.raises(intents.NLUUnavailable, match="invalid JSON"):
        RasaHTTPInterpreter(URL).parse("hi")


def test_backend_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="rasa_url"):
        intents.load_interpreter("rasa")
    with pytest.raises(ValueError, match="unknown NLU backend"):
        intents.load_interpreter("spacy")
