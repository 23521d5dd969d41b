"""The settings API: GET/PUT /api/v1/settings and /api/v1/config with the merchant's key or an admin's
session (+ CSRF); an agent's session gets 403; another merchant's key sees and changes only its own."""

from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.core.apikeys import create_key
from bot.core.merchant_config import MerchantConfig
from tests.console.kit import make_user, page_token, sign_in


def _demo(runtime) -> m.Merchant:  # noqa: ANN001
    with runtime.sessions() as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        s.expunge(merchant)
        return merchant


def test_get_then_put_a_section(client, auth, runtime):  # noqa: ANN001
    got = client.get("/api/v1/settings", headers=auth)
    assert got.status_code == 200
    body = got.get_json()
    assert body["numbers"]["sms"] == "+441614960000" and body["actions"]["hold_delivery"]["allowed"] is True

    put = client.put("/api/v1/settings", headers=auth, json={"brand": {"name": "Acme", "primary_colour": "#14532d"},
                                                              "survey": {"after_delivery": True}})
    assert put.status_code == 200, put.get_json()
    assert set(put.get_json()["changed"]) == {"brand", "survey"}
    config = MerchantConfig.of(_demo(runtime))
    assert (config.brand_name, config.primary_colour, config.survey_after_delivery) == ("Acme", "#14532d", True)
    assert client.get("/api/v1/settings", headers=auth).get_json()["numbers"]["sms"] == "+441614960000"
    with runtime.sessions() as s:
        rev = s.scalar(select(m.ConfigRevision).order_by(m.ConfigRevision.id.desc()))
    assert rev.kind == "settings" and rev.author.startswith("api:pbk_")


def test_a_bad_value_is_a_422_naming_each_field_and_changes_nothing(client, auth, runtime):  # noqa: ANN001
    before = _demo(runtime).settings
    put = client.put("/api/v1/settings", headers=auth, json={
        "brand": {"name": "Fine", "primary_colour": "#ffff00"}, "timezone": "Europe/Nowhere",
        "fees": {"per_action": {"hold_delivery": "-2"}}})
    assert put.status_code == 422
    body = put.get_json()
    assert body["error"].startswith("invalid settings")
    assert set(body["errors"]) == {"brand.primary_colour", "timezone", "fees.per_action.hold_delivery"}
    assert "contrast" in body["errors"]["brand.primary_colour"]
    assert _demo(runtime).settings == before


def test_not_json_is_a_400(client, auth):  # noqa: ANN001
    response = client.put("/api/v1/settings", headers=auth, data="brand: x", content_type="text/plain")
    assert response.status_code == 400


def test_config_yaml_and_json_round_trip(client, auth, runtime):  # noqa: ANN001
    got = client.get("/api/v1/config", headers=auth)
    assert got.status_code == 200 and got.mimetype == "application/yaml"
    doc = yaml.safe_load(got.get_data(as_text=True))
    as_json = client.get("/api/v1/config", headers={**auth, "Accept": "application/json"})
    assert as_json.mimetype == "application/json" and as_json.get_json() == doc

    doc["settings"]["support"]["days"] = "Mon-Sat"
    doc["responses"] = {"utter_greet": "Hello from {brand}!"}
    put = client.put("/api/v1/config", headers={**auth, "Content-Type": "application/yaml"},
                     data=yaml.safe_dump(doc))
    assert put.status_code == 200, put.get_json()
    assert set(put.get_json()["changed"]) == {"support", "responses"}
    put_json = client.put("/api/v1/config", headers=auth, data=json.dumps(doc), content_type="application/json")
    assert put_json.status_code == 200 and put_json.get_json()["changed"] == []
    merchant = _demo(runtime)
    assert merchant.settings["responses"] == {"utter_greet": "Hello from {brand}!"}
    assert merchant.settings["support_hours"]["days"] == "Mon-Sat"


def test_a_config_with_any_error_changes_nothing(client, auth, runtime):  # noqa: ANN001
    doc = yaml.safe_load(client.get("/api/v1/config", headers=auth).get_data(as_text=True))
    doc["settings"]["brand"]["name"] = "New name"
    doc["settings"]["numbers"]["whatsapp"] = "not a number"
    doc["responses"] = {"utter_greet": "Hi {who_is_this}"}
    before = _demo(runtime).settings
    put = client.put("/api/v1/config", headers=auth, data=yaml.safe_dump(doc), content_type="application/yaml")
    assert put.status_code == 422
    assert set(put.get_json()["errors"]) == {"settings.numbers.whatsapp", "responses.utter_greet"}
    assert _demo(runtime).settings == before
    broken = client.put("/api/v1/config", headers=auth, data="settings: [", content_type="application/yaml")
    assert broken.status_code == 422 and "file" in broken.get_json()["errors"]


def test_an_agent_session_gets_403_and_an_admin_session_may(client, runtime, demo):  # noqa: ANN001
    make_user(runtime, "agent@acme.example", role="agent")
    make_user(runtime, "boss@acme.example", role="admin", name="Ann")
    sign_in(client, "agent@acme.example")
    token = page_token(client)
    assert client.get("/api/v1/settings").status_code == 403
    assert client.put("/api/v1/settings", json={"survey": {"after_delivery": True}},
                      headers={"X-CSRFToken": token}).status_code == 403
    assert client.get("/api/v1/config").status_code == 403
    client.post("/console/logout", data={"csrf_token": token})

    sign_in(client, "boss@acme.example")
    token = page_token(client)
    assert client.get("/api/v1/settings").status_code == 200
    no_token = client.put("/api/v1/settings", json={"survey": {"after_delivery": True}})
    assert no_token.status_code == 400  # CSRF: a session's change needs the page's token
    ok = client.put("/api/v1/settings", json={"survey": {"after_delivery": True}}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    with runtime.sessions() as s:
        rev = s.scalar(select(m.ConfigRevision).order_by(m.ConfigRevision.id.desc()))
    assert rev.author == "admin:boss@acme.example"


def test_another_merchants_key_sees_and_changes_only_its_own(client, auth, runtime):  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        other = m.Merchant(slug="other", name="Other Shop", sms_number="+441614960099", settings={})
        s.add(other)
        s.flush()
        key, _ = create_key(s, other)
    theirs = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/settings", headers=theirs).get_json()["numbers"]["sms"] == "+441614960099"
    assert client.put("/api/v1/settings", headers=theirs, json={"brand": {"name": "Theirs"}}).status_code == 200
    assert MerchantConfig.of(_demo(runtime)).brand_name == "Acme Outdoor"
    taken = client.put("/api/v1/settings", headers=theirs, json={"numbers": {"sms": "+441614960000"}})
    assert taken.status_code == 422 and "numbers.sms" in taken.get_json()["errors"]
    assert "Acme" not in client.get("/api/v1/config", headers=theirs).get_data(as_text=True)


def test_the_schema_endpoint_and_openapi_follow_the_one_schema(client, auth):  # noqa: ANN001
    from bot.core.settings_schema import MerchantSettings

    served = client.get("/api/v1/settings/schema", headers=auth).get_json()
    assert set(served["properties"]) == set(MerchantSettings.model_fields)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["components"]["schemas"]["Settings"]["properties"]) == set(MerchantSettings.model_fields)
    for path, verbs in (("/api/v1/settings", {"get", "put"}), ("/api/v1/config", {"get", "put"}),
                        ("/api/v1/settings/schema", {"get"})):
        assert verbs <= set(spec["paths"][path])


def test_a_deeply_nested_yaml_file_is_a_422_not_a_500(client, auth):  # noqa: ANN001
    deep_flow = "settings: " + "[" * 3000 + "]" * 3000
    deep_block = "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "x: 1\n"
    for body in (deep_flow, deep_block):
        response = client.put("/api/v1/config", headers=auth, data=body, content_type="application/yaml")
        assert response.status_code == 422, response.status_code
        assert "nested" in response.get_json()["errors"]["file"]


def _laughs(levels: int = 8, fan: int = 9) -> str:
    """The "billion laughs": ~400 bytes whose nested aliases stand for 9**8 (43 million) strings."""
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]")
    return "\n".join(lines) + f"\nsettings: *a{levels}\nresponses: {{}}\n"


def test_yaml_anchors_and_aliases_are_refused_at_once(client, auth, runtime):  # noqa: ANN001
    """The laughs used to cost ~33 s of CPU (every walk of the document followed every alias) before its 422.
    A configuration never needs an alias: the first anchor is refused, as the parser reads it."""
    before = _demo(runtime).settings
    body = _laughs()
    assert len(body) < 500
    response = client.put("/api/v1/config", headers=auth, data=body, content_type="application/yaml")
    assert response.status_code == 422
    assert "anchors and aliases" in response.get_json()["errors"]["file"]
    one_alias = "x: &brand {name: Acme}\nsettings: {brand: *brand}\nresponses: {}\n"
    response = client.put("/api/v1/config", headers=auth, data=one_alias, content_type="application/yaml")
    assert response.status_code == 422 and "line 1" in response.get_json()["errors"]["file"]
    assert _demo(runtime).settings == before


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", '{"parcelbot_config": 1, "settings": {"a": ' + "9" * 5000 + '}, "responses": {}}'),
    ("application/yaml", "settings: " + "9" * 5000),
    ("application/yaml", "settings: {a: " + "59:" * 2000 + "1}"),  # YAML 1.1 base 60: quadratic to build
    ("application/yaml", "settings: 0x" + "f" * 5000),
    ("application/yaml", "settings: 2026-02-30"),  # a date YAML's syntax allows and the calendar doesn't
], ids=["json-digits", "yaml-digits", "yaml-base60", "yaml-hex", "yaml-bad-date"])
def test_a_value_python_cannot_build_or_print_is_a_422(client, auth, content_type, body):  # noqa: ANN001
    """Python refuses to turn more than 4,300 digits into an int (a ValueError that was a 500 here, while every
    other JSON endpoint answered 400): PUT /config reads JSON through the YAML parser, which now says so."""
    response = client.put("/api/v1/config", headers=auth, data=body, content_type=content_type)
    assert response.status_code == 422, response.data
    assert response.get_json()["errors"]["file"].startswith("is not valid YAML")
