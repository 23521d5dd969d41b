"""Property-based tests on every /api/v1 body: a valid body with fields swapped for wrong types and hostile
values (any Unicode, NUL, lone surrogates, 2**70, dates at the ends of the calendar), dropped or added; random
YAML for the config import; random query strings for the metrics; random forms and bytes for proof of delivery.
The answer is always a JSON 2xx or 4xx - never a 500. The parsers themselves raise only their own `Invalid`."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.ingest_schema import Invalid, parse_event, parse_pod_form, parse_shipment
from tests.api.support import event, image_bytes, shipment
from tests.fuzz.kit import deep, form_text, fuzz, json_values, mutate, nasty_text

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# ISO 8601 strings a parser accepts but arithmetic or a database may not: the calendar's ends, odd offsets.
EDGE_MOMENTS = st.sampled_from([
    "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00-23:59", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59+00:00",
    "2026-02-29T09:00:00+00:00", "2026-11-23T09:00:00+24:00", "2026-11-23T24:00:00+00:00", "2026-11-23T09:00Z",
    "2026-11-23", "2026-W48-1T09:00:00+00:00", "20261123T090000+0000", "2026-11-23T09:00:00.123456789+00:00"])
values = st.one_of(json_values, EDGE_MOMENTS)


def _mutated(base: dict) -> st.SearchStrategy[dict]:
    return mutate(base).flatmap(lambda body: st.just(body) | st.builds(
        lambda k, v: {**body, k: v}, st.sampled_from(sorted(base)), EDGE_MOMENTS | st.fixed_dictionaries(
            {"start": EDGE_MOMENTS, "end": EDGE_MOMENTS})))


def _never_500(response) -> None:  # noqa: ANN001
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.is_json, response.get_data(as_text=True)[:200]
    if response.status_code >= 400:
        assert isinstance(response.get_json().get("error"), str)


# -- the parsers on their own (fast: many examples) -------------------------------------------------------
@given(body=st.one_of(_mutated(shipment("PB900000001GB")), values))
@fuzz(80)
def test_the_shipment_parser_raises_only_invalid(body) -> None:  # noqa: ANN001
    try:
        parse_shipment(body, NOW)
    except Invalid as exc:
        assert exc.errors and 400 <= exc.status < 500


@given(body=st.one_of(_mutated(event("out_for_delivery", now=NOW, stop=3, stops_total=9,
                                     eta={"start": "2026-11-23T13:00:00+00:00", "end": "2026-11-23T15:00:00+00:00"},
                                     position={"lat": 53.4, "lng": -2.2})), values))
@fuzz(80)
def test_the_event_parser_raises_only_invalid(body) -> None:  # noqa: ANN001
    try:
        parse_event(body, NOW)
    except Invalid as exc:
        assert exc.errors and 400 <= exc.status < 500


@given(form=st.dictionaries(st.sampled_from(["delivered_at", "latitude", "longitude", "place", "signature_name"]),
                            st.one_of(form_text, EDGE_MOMENTS, st.sampled_from(["nan", "inf", "-0", "1e400"]))))
@fuzz(60)
def test_the_pod_form_parser_raises_only_invalid(form) -> None:  # noqa: ANN001
    try:
        parse_pod_form(form, NOW)
    except Invalid as exc:
        assert exc.errors


# -- through the API --------------------------------------------------------------------------------------
@given(body=st.one_of(_mutated(shipment()), values))
@fuzz(15)
def test_post_shipments_never_500(client, auth, body) -> None:  # noqa: ANN001
    _never_500(client.post("/api/v1/shipments", json=body, headers=auth))


@given(body=st.one_of(_mutated(event("out_for_delivery", now=NOW)), values),
       tracking=st.one_of(st.just("PB100000001GB"), nasty_text.filter(lambda t: "/" not in t and t.strip())))
@fuzz(15)
def test_post_events_never_500(client, auth, body, tracking) -> None:  # noqa: ANN001
    _never_500(client.post(f"/api/v1/shipments/{tracking}/events", json=body, headers=auth))


@given(form=st.dictionaries(st.sampled_from(["delivered_at", "latitude", "longitude", "place", "signature_name"])
                            | form_text, st.one_of(form_text, EDGE_MOMENTS), max_size=5),
       photo=st.one_of(st.binary(max_size=2000), st.just(image_bytes()), st.just(image_bytes("JPEG"))))
@fuzz(10)
def test_post_proof_of_delivery_never_500(client, auth, form, photo) -> None:  # noqa: ANN001
    data = {**form, "photos": (io.BytesIO(photo), "photo.png")}
    _never_500(client.post("/api/v1/shipments/PB100000001GB/proof-of-delivery", data=data, headers=auth,
                           content_type="multipart/form-data"))


@pytest.mark.parametrize("kind", ["messages", "notes", "actions", "takeover", "handback", "resolve"])
@given(body=st.one_of(_mutated({"text": "On its way", "tracking_number": "PB100000001GB", "survey": True,
                                "action": "leave_with_neighbour", "params": {"neighbour": "No. 14"}}), values))
@fuzz(6)
def test_conversation_moves_never_500(client, auth, known_ids, kind, body) -> None:  # noqa: ANN001
    _never_500(client.post(f"/api/v1/conversations/{known_ids['conv_id']}/{kind}", json=body, headers=auth))


@pytest.mark.parametrize("how", ["put", "preview"])
@given(body=st.one_of(_mutated({"text": "Hi from {brand}", "channel": "sms"}), values))
@fuzz(8)
def test_template_writes_never_500(client, auth, known_ids, how, body) -> None:  # noqa: ANN001
    url = f"/api/v1/templates/{known_ids['name']}" + ("/preview" if how == "preview" else "")
    _never_500((client.put if how == "put" else client.post)(url, json=body, headers=auth))


@given(data=st.data())
@fuzz(10)
def test_settings_writes_never_500(client, auth, data) -> None:  # noqa: ANN001
    current = client.get("/api/v1/settings", headers=auth).get_json()
    base = current.get("settings", current) if isinstance(current, dict) else {}
    body = data.draw(st.one_of(_mutated(base) if base else values, values))
    _never_500(client.put("/api/v1/settings", json=body, headers=auth))


YAML_NASTIES = st.sampled_from([
    "a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c]",
    "!!python/object/apply:os.system ['true']", "parcelbot_config: 1\nsettings: !!binary aGVsbG8=", "- - - - -",
    "parcelbot_config: 99", "parcelbot_config: 1\nsettings: {brand: {name: [1]}}", "\x00\x01\x02", ":", "? [a]\n: b",
    "parcelbot_config: 1\nresponses: {utter_greet: {sms: 12}}", deep(3000), "a: " + "x" * 100000])


@given(text=st.one_of(YAML_NASTIES, form_text, st.builds(json.dumps, values)),
       raw=st.one_of(st.none(), st.binary(max_size=500)))
@fuzz(15)
def test_config_import_never_500(client, auth, text, raw) -> None:  # noqa: ANN001
    body = raw if raw is not None else text.encode("utf-8")
    _never_500(client.put("/api/v1/config", data=body, content_type="application/yaml", headers=auth))


@given(start=st.one_of(form_text, EDGE_MOMENTS.map(lambda s: s[:10]), st.just("0001-01-01"), st.just("9999-12-31")),
       end=st.one_of(form_text, st.just("0001-01-02"), st.just("9999-12-31"), st.just("2026-13-01")))
@fuzz(15)
def test_metrics_query_never_500(client, auth, start, end) -> None:  # noqa: ANN001
    _never_500(client.get("/api/v1/metrics", query_string={"from": start, "to": end}, headers=auth))


@pytest.mark.parametrize("path", ["/api/v1/shipments", "/api/v1/shipments/PB100000001GB/events", "/api/v1/settings",
                                  "/api/v1/conversations/1/messages", "/api/v1/templates/x/preview"])
@pytest.mark.parametrize("raw", [deep(2000), b"\xff\xfe\xfd", b"{" * 50000, b'{"a": ' + b"1" * 100000 + b"}",
                                 b"[" + b"1," * 200000 + b"1]"])
def test_hostile_json_bodies_never_500(client, auth, path: str, raw) -> None:  # noqa: ANN001
    method = client.put if path == "/api/v1/settings" else client.post
    _never_500(method(path, data=raw, content_type="application/json", headers=auth))
