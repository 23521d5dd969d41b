"""Issue 16's review: JSON nested ~1,000 deep gave a 500 on the API (the REST channel already refused it).
Every endpoint that reads JSON refuses it with a clear 400 now (bot/web/request.py), whoever wrote it."""

from __future__ import annotations

import pytest

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def _json_routes(app) -> list[tuple[str, str]]:
    """Every POST/PUT/PATCH route under /api/v1 and /webhooks/rest, with its placeholders filled."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/v1", "/webhooks/rest")):
            continue
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<{arg}>", "1").replace(f"<int:{arg}>", "1")
            out.append((method, path.replace("<path:", "<").replace("<", "").replace(">", "")))
    return out


def test_there_are_json_routes_to_try(app):
    assert len(_json_routes(app)) >= 5


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(app, client, auth, body):
    for method, path in _json_routes(app):
        response = client.open(path, method=method, data=body, headers={**auth, "Content-Type": "application/json"})
        assert response.status_code < 500, (method, path, response.status_code)
        assert b"Traceback" not in response.data


def test_the_shipments_api_names_the_problem(client, auth):
    response = client.post("/api/v1/shipments", data=DEEP, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested" in str(response.get_json())
