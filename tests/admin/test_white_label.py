"""White label: the tracking page and the demo page wear the merchant's name, colours (as CSS custom
properties, contrast-checked) and logo, as saved on the Settings page."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from bot.services.merchant_settings import update


def _brand(runtime, **brand) -> None:  # noqa: ANN001, ANN003
    with transaction(runtime.sessions) as s:
        update(s, s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")), {"brand": brand}, author="test")


def _tracking_page(client, runtime) -> str:  # noqa: ANN001
    path = runtime.links.tracking_url("demo", "PB100000001GB").removeprefix(runtime.links.base_url)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_tracking_page_wears_the_merchants_brand(client, runtime, demo):  # noqa: ANN001
    plain = _tracking_page(client, runtime)
    assert "--brand-primary: #1d4ed8" in plain and "<img" not in plain  # ours until the merchant sets its own
    _brand(runtime, name="Trailhead Supply", primary_colour="#7C2D12", accent_colour="#14532d",
           logo_url="https://cdn.trailhead.example/logo.png")
    html = _tracking_page(client, runtime)
    assert "<h1>Trailhead Supply</h1>" in html and "<title>Trailhead Supply" in html
    assert "--brand-primary: #7c2d12" in html and "--brand-accent: #14532d" in html
    assert '<img src="https://cdn.trailhead.example/logo.png" alt=""' in html


def test_a_stored_colour_failing_contrast_is_never_painted(client, runtime, demo):  # noqa: ANN001
    with transaction(runtime.sessions) as s:  # written around the schema (an old row, a hand edit)
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**merchant.settings, "brand": {"primary_colour": "#fde047",
                                                           "logo_url": "javascript:alert(1)"}}
    html = _tracking_page(client, runtime)
    assert "#fde047" not in html and "--brand-primary: #1d4ed8" in html and "javascript:" not in html


def test_the_demo_page_wears_the_demo_merchants_brand(client, runtime, demo):  # noqa: ANN001
    _brand(runtime, name="Acme Outdoor", primary_colour="#14532d")
    response = client.get("/demo", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"Host": "localhost"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Acme Outdoor demo" in html and "--brand-primary: #14532d" in html
