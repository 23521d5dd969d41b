"""Whatever a section of /admin/settings is sent, the answer is a save (302) or the page again naming the field
(422), never a 500: posted back exactly as the page shows it, every section saves; a number that str.isdigit()
takes but int() does not ("²", "①", 5,000 digits) is named on the page.

Found by review: on a fresh merchant the Handoff section could never be saved (handoff.webhook is null until one
is set, and the form wrote the webhook's fields into that null: a TypeError), and a number field did
int(raw) whenever raw.isdigit()."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from backend import models as m
from bot.services.merchant_settings import current
from bot.web.admin.settings_form import SECTIONS
from tests.console.kit import make_user, sign_in, token_in

SECTION_KEYS = [key for key, _, _ in SECTIONS]
HOSTILE = ["²", "①", "9" * 5000, "-", "--5", "1e999999999", "NaN", "Infinity", "   ", "x" * 5000, "٣"]


def _admin(client, runtime) -> None:  # noqa: ANN001
    make_user(runtime, "ann@acme.example", role="admin", name="Ann")
    assert sign_in(client, "ann@acme.example").status_code == 302


def _form_of(page: str, section: str) -> dict[str, str]:
    """What a browser sends for this section's form when Save is pressed without changing anything."""
    start = page.index(f'action="/admin/settings/{section}#section-{section}"')
    body = page[start:page.index("</form>", start)]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data[name.group(1)] = htmllib.unescape(value.group(1)) if value else "y"
            continue
        data[name.group(1)] = htmllib.unescape(value.group(1)) if value else ""
    for name, inner in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', inner) or re.search(
            r'<option[^>]*value="([^"]*)"', inner)
        data[name] = htmllib.unescape(chosen.group(1)) if chosen else ""
    for name, inner in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S):
        data[name] = htmllib.unescape(inner)
    return data


@pytest.mark.parametrize("section", SECTION_KEYS)
def test_a_section_posted_back_as_shown_saves_and_every_hostile_value_is_a_save_or_a_422(
        client, runtime, demo, section) -> None:  # noqa: ANN001
    _admin(client, runtime)
    shown = _form_of(client.get("/admin/settings").get_data(as_text=True), section)
    for attempt in range(2):  # the second save starts from what the first one stored
        response = client.post(f"/admin/settings/{section}", data=shown)
        assert response.status_code == 302, (section, attempt, response.get_data(as_text=True)[:300])
    for value in HOSTILE:
        form = {name: (old if name == "csrf_token" else value) for name, old in shown.items()}
        response = client.post(f"/admin/settings/{section}", data=form)
        assert response.status_code in (302, 422), (section, value[:20], response.status_code)


def test_the_handoff_section_saves_without_a_webhook_then_with_one_then_without(client, runtime, demo) -> None:  # noqa: ANN001
    _admin(client, runtime)
    form = {"handoff.when_upset": "y", "handoff.after_misunderstandings": "3", "handoff.webhook.url": "",
            "handoff.webhook.secret_env": ""}
    hook = {"handoff.webhook.url": "https://desk.example/hook",
            "handoff.webhook.secret_env": "MERCHANT_DEMO__DESK_SECRET"}
    steps = [({}, None), (hook, "https://desk.example/hook"), ({}, None)]
    for changes, webhook in steps:
        token = token_in(client.get("/admin/settings").get_data(as_text=True))
        response = client.post("/admin/settings/handoff", data={**form, **changes, "csrf_token": token})
        assert response.status_code == 302, (changes, response.get_data(as_text=True)[:300])
        with runtime.sessions() as s:
            stored = current(s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")))["handoff"]
        assert (stored["webhook"] or {}).get("url") == webhook


@pytest.mark.parametrize("raw", ["²", "①", "٣", "9" * 5000, "1234567890"])
def test_a_number_int_cannot_read_is_the_page_again_naming_the_field(client, runtime, demo, raw) -> None:  # noqa: ANN001
    _admin(client, runtime)
    token = token_in(client.get("/admin/settings").get_data(as_text=True))
    response = client.post("/admin/settings/handoff", data={"csrf_token": token,
                                                            "handoff.after_misunderstandings": raw})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-handoff-after-misunderstandings-error"' in page and "whole number" in page
