"""The signed tracking page, for a merchant whose parcels live at a remote carrier that is down, answers a clear
503 page (Retry-After, "we can't reach the carrier right now") with nothing about the parcel, as the chat says
"the delivery system isn't answering". It was a 500 (BackendUnavailable not caught in bot/web/tracking.py)."""

from __future__ import annotations

import json

import requests
from requests.adapters import HTTPAdapter

from bot.core.sms import not_gsm7


def test_the_tracking_page_says_the_carrier_is_away_instead_of_a_500(client, runtime, demo, auth,
                                                                     monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MERCHANT_DEMO__CARRIER_SECRET", "s3cret-for-hmac")
    saved = client.put("/api/v1/settings", headers={**auth, "Content-Type": "application/json"}, data=json.dumps(
        {"backend": {"type": "http", "base_url": "https://carrier-down.example/v1", "retry_attempts": 1,
                     "secret_env": "MERCHANT_DEMO__CARRIER_SECRET", "timeout_seconds": 1}}))
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]

    def refused(self, request, **kwargs):  # noqa: ANN001, ANN202
        raise requests.exceptions.ConnectionError("connection refused")

    monkeypatch.setattr(HTTPAdapter, "send", refused)
    token = runtime.links.tracking_url("demo", "PB100000001GB").rsplit("/", 1)[1]
    page = client.get(f"/t/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert page.mimetype == "text/html" and '<html lang="en">' in html
    assert "can't reach the carrier right now" in html and 'role="status"' in html
    assert "PB100000001GB" not in html and "Traceback" not in html
    assert not not_gsm7(html.split("<main>", 1)[1].split("</main>", 1)[0])
