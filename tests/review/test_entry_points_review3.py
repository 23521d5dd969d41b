"""Third review of the entry points the bad-input and fault suites did not reach: the merchant console's wording
revert with a revision no id column holds, and the REST channel's outage answer when no ?merchant= is given
(the demo page's own call, and any single-merchant widget's)."""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL
from tests.console.kit import make_user, sign_in, token_in
from tests.helpers import sqlite_file_away

NAME = "utter_neighbour_summary"


@pytest.mark.parametrize("revision", [str(2**63), "99999999999999999999"])
def test_a_wording_revert_with_a_revision_no_column_holds_is_a_4xx_not_a_500(app, runtime, demo, revision):
    client = app.test_client()
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    assert sign_in(client, "ann@acme.example").status_code == 302
    token = token_in(client.get(f"/admin/templates/{NAME}").get_data(as_text=True))
    answer = client.post(f"/admin/templates/{NAME}/revert", data={"csrf_token": token, "revision": revision})
    assert answer.status_code < 500, answer.get_data(as_text=True)


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite file made unopenable stands for the database away")
def test_with_the_database_away_the_rest_channel_without_merchant_still_answers_a_rasa_shaped_503(
        app, runtime, demo, db_url):
    client = app.test_client()
    assert client.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "hello"}).status_code == 200
    with sqlite_file_away(runtime, db_url):
        answer = client.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "hello"})
    assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
    body = answer.get_json()
    # What the same outage answers with ?merchant=demo (test_database_faults.py): a list of Rasa replies.
    assert isinstance(body, list) and "send it again" in body[0]["text"], body
