"""The brand name fills {brand} in the merchant's wording. An override checked with a short name (three texts
at most) must not be pushed past the limit by a later, longer name: the settings save refuses the name and
names the override, as an import already did, instead of every shopper getting five texts."""

from __future__ import annotations

from sqlalchemy import select

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from tests.console.kit import make_user, sign_in, token_in

TEMPLATE = "utter_agent_resolved"


def _near_the_limit() -> str:
    """Four {brand}s and padding: three texts with "Acme Outdoor", more with an 80-character name."""
    base = "Thanks from {brand}. " * 4
    return base + "x" * (440 - len(base.replace("{brand}", "Acme Outdoor")))


def _brand(runtime) -> str:  # noqa: ANN001
    with runtime.sessions() as s:
        return MerchantConfig.of(s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))).brand_name


def test_a_brand_name_that_breaks_an_override_is_refused_by_the_api(client, auth, runtime):  # noqa: ANN001
    saved = client.put(f"/api/v1/templates/{TEMPLATE}", headers=auth,
                       json={"channel": "sms", "text": _near_the_limit()})
    assert saved.status_code == 200, saved.get_json()

    put = client.put("/api/v1/settings", headers=auth, json={"brand": {"name": "B" * 80}})

    assert put.status_code == 422, put.get_json()
    error = put.get_json()["errors"]["brand.name"]
    assert f"{TEMPLATE}.sms" in error and "too long for SMS" in error
    assert _brand(runtime) == "Acme Outdoor"  # nothing saved
    fine = client.put("/api/v1/settings", headers=auth, json={"brand": {"name": "Acme Co"}})
    assert fine.status_code == 200, fine.get_json()  # a name that fits is saved as before


def test_the_settings_page_names_the_override_and_keeps_the_old_name(client, auth, runtime):  # noqa: ANN001
    client.put(f"/api/v1/templates/{TEMPLATE}", headers=auth, json={"channel": "sms", "text": _near_the_limit()})
    make_user(runtime, "boss@acme.example", role="admin", name="Ann")
    sign_in(client, "boss@acme.example")
    token = token_in(client.get("/admin/settings").get_data(as_text=True))

    page = client.post("/admin/settings/brand", data={
        "csrf_token": token, "brand.name": "B" * 80, "brand.primary_colour": "#1d4ed8",
        "brand.accent_colour": "#0f766e", "brand.logo_url": ""})

    assert page.status_code == 422
    assert f"{TEMPLATE}.sms" in page.get_data(as_text=True)
    assert _brand(runtime) == "Acme Outdoor"
