"""What schemathesis found in the API, one test each, so each stays fixed whatever the fuzzer draws next."""

from __future__ import annotations

import pytest

BIGS = [2**31, 2**64]  # past PostgreSQL's INTEGER ids; past any database's integers


@pytest.mark.parametrize("big", BIGS)
@pytest.mark.parametrize("path", ["/api/v1/conversations/{big}", "/api/v1/conversations/{big}/handback",
                                  "/api/v1/conversations/{big}/resolve", "/api/v1/conversations/{big}/takeover"])
def test_an_id_no_column_holds_is_not_found(client, auth, path: str, big: int) -> None:  # noqa: ANN001
    url = path.format(big=big)
    response = client.get(url, headers=auth) if path.endswith("}") else client.post(url, headers=auth)
    assert response.status_code == 404
    assert response.is_json


@pytest.mark.parametrize("big", BIGS)
def test_a_revision_no_column_holds_is_refused(client, auth, big: int) -> None:  # noqa: ANN001
    name = client.get("/api/v1/templates", headers=auth).get_json()["templates"][0]["name"]
    response = client.post(f"/api/v1/templates/{name}/revert", json={"revision": big}, headers=auth)
    assert response.status_code == 422
    assert "revision" in response.get_json()["errors"]


@pytest.mark.parametrize("kind", ["messages", "notes"])
def test_text_no_database_can_store_is_refused(client, auth, known_ids, kind: str) -> None:  # noqa: ANN001
    body = '{"text": "hello \\ud83d there \\u0000"}'  # a lone surrogate and a NUL: valid JSON, unstorable
    response = client.post(f"/api/v1/conversations/{known_ids['conv_id']}/{kind}", data=body,
                           content_type="application/json", headers=auth)
    assert response.status_code == 422
    assert response.get_json()["errors"]


@pytest.mark.parametrize("kind", ["messages", "notes"])
def test_every_422_names_what_is_wrong(client, auth, known_ids, kind: str) -> None:  # noqa: ANN001
    response = client.post(f"/api/v1/conversations/{known_ids['conv_id']}/{kind}", json={"text": 3}, headers=auth)
    assert response.status_code == 422
    body = response.get_json()
    assert isinstance(body["error"], str) and isinstance(body["errors"], dict) and body["errors"]


def test_a_method_not_allowed_says_which_are(client, auth) -> None:  # noqa: ANN001
    response = client.open("/api/v1/shipments", method="TRACE", headers=auth)
    assert response.status_code == 405
    assert "POST" in response.headers.get("Allow", "")
    assert response.is_json


@pytest.mark.parametrize("query", [{"to": "0001-01-02"}, {"from": "0001-01-01", "to": "0001-01-05"},
                                   {"from": "9999-12-30", "to": "9999-12-31"}])
def test_metrics_dates_at_the_ends_of_the_calendar_are_refused(client, auth, query) -> None:  # noqa: ANN001
    response = client.get("/api/v1/metrics", query_string=query, headers=auth)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) & {"from", "to"}


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_date_times_at_the_ends_of_the_calendar_are_refused(client, auth, moment: str) -> None:  # noqa: ANN001
    """Valid ISO 8601, but UTC (or a day's arithmetic) falls off the calendar: an OverflowError was a 500."""
    from tests.api.support import event, shipment

    eta = {"start": moment, "end": "2026-11-23T13:00:00+00:00"}
    answers = [client.post("/api/v1/shipments", json=shipment(eta=eta), headers=auth),
               client.post("/api/v1/shipments/PB100000001GB/events", json=event("in_transit", occurred_at=moment),
                           headers=auth)]
    assert [a.status_code for a in answers] == [422, 422]
    assert "eta.start" in answers[0].get_json()["errors"] and "occurred_at" in answers[1].get_json()["errors"]
