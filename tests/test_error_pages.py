"""A person in a browser meets an error as a small page in the same words; anything else still gets a line of text.

A review found a shopper opening their tracking link while the database was away met a bare "503 Briefly
unavailable" in plain text. bot/web/errors.py now answers a browser (text/html first in Accept) with
templates/error.html: self-contained, no database, nothing loaded from elsewhere.
"""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL
from tests.helpers import sqlite_file_away

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_page_that_isnt_there_is_a_page_for_a_browser_and_a_line_for_curl(client):  # noqa: ANN001
    page = client.get("/no-such-page", headers=BROWSER)
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert '<html lang="en">' in html and "<h1>Not Found</h1>" in html and 'name="viewport"' in html
    assert "http://" not in html and "https://" not in html  # nothing loaded from elsewhere
    line = client.get("/no-such-page")  # no Accept: a script, a monitor
    assert line.status_code == 404 and line.mimetype == "text/plain" and line.get_data(as_text=True).startswith("404")


def test_what_a_request_said_is_escaped_on_the_page(client):  # noqa: ANN001
    page = client.post("/healthz", headers=BROWSER)  # a 405 whose page names nothing of ours but stays escaped
    assert page.status_code == 405 and page.mimetype == "text/html" and "<script" not in page.get_data(as_text=True)
    assert page.headers.get("Allow")


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite file made unopenable stands for the database away")
def test_a_tracking_link_opened_while_the_database_is_away_is_a_page_saying_so(client, runtime, demo, db_url):  # noqa: ANN001
    path_in_app = runtime.links.tracking_url("demo", "PB100000001GB").removeprefix(runtime.links.base_url)
    assert client.get(path_in_app, headers=BROWSER).status_code == 200
    with sqlite_file_away(runtime, db_url):
        page = client.get(path_in_app, headers=BROWSER)
        line = client.get(path_in_app)
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit() and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Briefly unavailable" in html and "try again shortly" in html and 'role="status"' in html
    assert line.status_code == 503 and line.mimetype == "text/plain"
    assert client.get(path_in_app, headers=BROWSER).status_code == 200  # and back by itself
