"""Server-rendered pages: landing, health, the signed tracking page, and the local-only demo page."""

from __future__ import annotations

from bot.runtime import build_runtime
from bot.web import create_app


def test_health_and_landing(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert b"Parcelbot is running" in client.get("/").data


def test_tracking_page_needs_a_valid_signature(client, runtime, demo):
    url = runtime.links.tracking_url("demo", "PB100000001GB")
    path = url.removeprefix(runtime.links.base_url)
    ok = client.get(path)
    assert ok.status_code == 200 and b"PB100000001GB" in ok.data and b"Acacia" not in ok.data
    forged = client.get(path[:-4] + "AAAA")
    assert forged.status_code == 404


def test_demo_page_is_local_only(client, demo):
    assert client.get("/demo").status_code == 200
    assert client.get("/demo/outbox", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/demo", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404


def test_demo_page_is_off_when_real_sending_is_configured(env, interpreter, demo):
    from bot.config import Settings

    settings = Settings.from_env({**env, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32})
    app = create_app(runtime=build_runtime(settings, interpreter=interpreter, synchronous_jobs=True))
    assert app.test_client().get("/demo/outbox").status_code == 404


def test_unknown_route_is_a_clear_404_not_a_trace(client):
    response = client.get("/nope")
    assert response.status_code == 404 and b"Traceback" not in response.data
    api = client.post("/webhooks/rest/webhook", data="not json", content_type="application/json")
    assert api.status_code == 400 and "error" in api.get_json()


def test_tracking_page_times_are_the_merchants_wall_clock(client, runtime, demo):
    from sqlalchemy import select

    from backend import models as m
    from backend.db import transaction

    path = runtime.links.tracking_url("demo", "PB100000001GB").removeprefix(runtime.links.base_url)
    london = client.get(path).get_data(as_text=True)
    assert "GMT" in london or "BST" in london
    with transaction(runtime.sessions) as session:
        session.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")).timezone = "America/New_York"
    new_york = client.get(path).get_data(as_text=True)
    assert ("EST" in new_york or "EDT" in new_york) and "GMT" not in new_york and "UTC" not in new_york


def test_tracking_page_times_read_the_way_the_merchants_shoppers_write_them(client, runtime, demo):
    """A US merchant's page says "Tue Dec 8 9am-1pm", as its texts do (backend/local_time); it said
    "Tue 08 Dec 09:00"."""
    import re

    from sqlalchemy import select

    from backend import models as m
    from backend.db import transaction

    path = runtime.links.tracking_url("demo", "PB100000001GB").removeprefix(runtime.links.base_url)
    british = client.get(path).get_data(as_text=True)
    assert re.search(r"[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d\d:\d\d-\d\d:\d\d", british), british
    with transaction(runtime.sessions) as session:
        merchant = session.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**(merchant.settings or {}), "region": "US"}
    american = client.get(path).get_data(as_text=True)
    assert re.search(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{1,2}(?::\d\d)?[ap]m-\d{1,2}(?::\d\d)?[ap]m", american)
