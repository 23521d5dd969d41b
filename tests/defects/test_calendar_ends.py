"""A day at the calendar's ends (9999-12-31, 0001-01-01) in a query was a 500 (OverflowError: the day's end in UTC,
or the default range's start, fell off the calendar). Every day a request names is read through one function
(bot/core/calendar_bounds.py) and a day out of range is a clear 4xx naming the field."""

from __future__ import annotations

import pytest

from tests.console.kit import make_user, sign_in

ENDS = ["9999-12-31", "0001-01-01", "9999-01-01"]


@pytest.mark.parametrize("day", ENDS)
def test_the_manifest_refuses_a_day_off_the_calendar(client, auth, day):
    response = client.get(f"/api/v1/manifest?date={day}", headers=auth)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"date": "must be between 1900-01-01 and 9000-12-31"}


def test_the_manifest_still_reads_an_ordinary_day_and_names_a_malformed_one(client, auth):
    assert client.get("/api/v1/manifest?date=2026-12-09", headers=auth).status_code == 200
    bad = client.get("/api/v1/manifest?date=2026-02-30", headers=auth)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_json()["errors"]["date"]


@pytest.mark.parametrize("query", [f"{name}={day}" for name in ("from", "to") for day in ENDS])
def test_the_results_page_and_api_refuse_a_day_off_the_calendar(runtime, demo, client, auth, query):
    api = client.get(f"/api/v1/metrics?{query}", headers=auth)
    assert api.status_code == 422 and "between" in str(api.get_json()["errors"])
    make_user(runtime, "admin@acme.example", role="admin")
    sign_in(client, "admin@acme.example")
    page = client.get(f"/admin?{query}")
    assert page.status_code == 422, page.status_code
    assert "must be between 1900-01-01 and 9000-12-31" in page.get_data(as_text=True)
