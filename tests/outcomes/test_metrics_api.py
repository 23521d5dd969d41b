"""GET /api/v1/metrics: the same figures as the service, JSON; 422s naming the field; only the caller's
merchant; an admin's session may read it, an agent's may not (results are the merchant's)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.db import transaction
from bot.core.apikeys import create_key
from tests.console.kit import make_user, sign_in
from tests.outcomes.history import History, local
from tests.outcomes.test_outcomes import _contacts_history, _parcels_history


@pytest.fixture
def ny(runtime):  # noqa: ANN001, ANN201
    """The hand-made New York history, and its merchant's API key."""
    with transaction(runtime.sessions) as s:
        h = History(s, slug="demo", settings={"money": {"cost_per_contact": "5", "failed_attempt_cost": "10.50"}})
        _contacts_history(h)
        _parcels_history(h)
        key, _ = create_key(s, h.merchant)
    return {"Authorization": f"Bearer {key}"}


def test_the_figures_and_their_definitions(client, ny):
    body = client.get("/api/v1/metrics?from=2026-11-02&to=2026-11-09", headers=ny).get_json()
    assert (body["from"], body["to"], body["timezone"]) == ("2026-11-02", "2026-11-09", "America/New_York")
    containment = body["metrics"]["containment"]
    assert (containment["numerator"], containment["denominator"], containment["value"]) == (3, 6, 0.5)
    assert "3 days" in containment["definition"]
    # 1 failed attempt avoided x 10.50 + 3 contacts handled alone x 5 (tests/outcomes/test_outcomes.py).
    assert body["money"]["total"] == "25.50" and body["money"]["defaults_used"] == []
    assert {c["carrier"]: c["first_attempt_rate"] for c in body["carriers"]} == {"dpd": 0.6667, "evri": 1.0}
    assert body["returns"]["by_reason"] == {"too small": 2, "damaged": 1}


def test_one_more_day_at_the_front_takes_in_the_contact_of_that_evening(client, ny):
    # E wrote at 23:30 on 1 November in New York: the range from the 1st has it, the one from the 2nd doesn't.
    wider = client.get("/api/v1/metrics?from=2026-11-01&to=2026-11-09", headers=ny).get_json()
    narrower = client.get("/api/v1/metrics?from=2026-11-02&to=2026-11-09", headers=ny).get_json()
    assert wider["metrics"]["contacts"]["value"] == narrower["metrics"]["contacts"]["value"] + 1


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-11-31&to=2026-12-05", "from"),
    ("from=yesterday&to=2026-12-05", "from"),
    ("from=2026-11-02&to=20261109", "to"),
    ("from=2026-11-09&to=2026-11-02", "to"),
    ("from=2026-11-02&to=2026-11-02", "to"),
    ("from=2025-01-01&to=2026-11-02", "to"),
])
def test_a_bad_range_is_a_422_naming_the_field(client, ny, query, field):
    response = client.get(f"/api/v1/metrics?{query}", headers=ny)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_no_range_is_the_last_30_days(client, ny, runtime):
    body = client.get("/api/v1/metrics", headers=ny).get_json()
    today = runtime.clock().astimezone(UTC).date()
    days = (datetime.fromisoformat(body["to"]) - datetime.fromisoformat(body["from"])).days
    assert days == 30 and abs((datetime.fromisoformat(body["to"]).date() - today).days) <= 1


def test_another_merchant_sees_only_its_own(client, ny, runtime):
    with transaction(runtime.sessions) as s:
        other = History(s, slug="other")
        conv = other.conversation("+12125550777")
        other.inbound(conv, local(3, 9))
        key, _ = create_key(s, other.merchant)
    body = client.get("/api/v1/metrics?from=2026-11-02&to=2026-11-09",
                      headers={"Authorization": f"Bearer {key}"}).get_json()
    assert body["metrics"]["contacts"]["value"] == 1 and body["carriers"] == []


def test_no_key_no_figures(client, ny):
    assert client.get("/api/v1/metrics").status_code == 401


def test_an_admin_may_read_with_the_session_an_agent_may_not(client, ny, runtime):
    make_user(runtime, "ann@shop.example", role="admin", name="Ann")
    make_user(runtime, "sam@shop.example", role="agent", name="Sam")
    sign_in(client, "sam@shop.example")
    refused = client.get("/api/v1/metrics?from=2026-11-02&to=2026-11-09")
    assert refused.status_code == 403 and "admin" in refused.get_json()["error"]
    other = client.application.test_client()
    sign_in(other, "ann@shop.example")
    body = other.get("/api/v1/metrics?from=2026-11-02&to=2026-11-09").get_json()
    assert body["metrics"]["contacts"]["value"] == 6


def test_the_route_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/metrics"]
    assert "Metric" in spec["components"]["schemas"]
