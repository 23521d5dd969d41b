"""The Settings page (Flask test client): an admin saves a section and the bot's config changes; a bad value
re-renders with the typed values kept and the error tied to its field; export downloads the YAML; an import
with any error shows every error and changes nothing; an agent gets 403; the history lists the changes."""

from __future__ import annotations

import io
import re

import yaml
from sqlalchemy import func, select

from backend import models as m
from bot.core.merchant_config import MerchantConfig
from tests.console.kit import make_user, sign_in, token_in


def _admin(client, runtime) -> str:  # noqa: ANN001
    make_user(runtime, "boss@acme.example", role="admin", name="Ann")
    sign_in(client, "boss@acme.example")
    page = client.get("/admin/settings")
    assert page.status_code == 200
    return token_in(page.get_data(as_text=True))


def _config(runtime) -> MerchantConfig:  # noqa: ANN001
    with runtime.sessions() as s:
        return MerchantConfig.of(s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")))


def _field(html: str, name: str) -> str:
    found = re.search(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert found, f"no field {name}"
    return found.group(0)


def test_every_section_is_a_form_with_labels_and_a_csrf_token(client, runtime, demo):  # noqa: ANN001
    _admin(client, runtime)
    html = client.get("/admin/settings").get_data(as_text=True)
    for section in ("brand", "general", "support", "actions", "fees", "quiet_hours", "numbers", "handoff", "console",
                    "money", "payments", "survey"):
        assert f'action="/admin/settings/{section}#section-{section}"' in html
    assert html.count('name="csrf_token"') >= 13
    for field_id in re.findall(r'<(?:input|select) [^>]*id="(f-[^"]+)"', html):
        assert f'for="{field_id}"' in html, f"{field_id} has no label"
    assert 'value="+441614960000"' in _field(html, "numbers.sms")
    assert "checked" in _field(html, "actions.hold_delivery.allowed")


def test_saving_a_section_changes_the_bot(client, runtime, demo):  # noqa: ANN001
    token = _admin(client, runtime)
    saved = client.post("/admin/settings/brand", data={
        "csrf_token": token, "brand.name": "Acme Outdoor Co", "brand.sign_off": "- the Acme team",
        "brand.primary_colour": "#14532D", "brand.accent_colour": "#0f766e", "brand.logo_url": ""})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#section-brand")
    config = _config(runtime)
    assert (config.brand_name, config.sign_off, config.primary_colour) == ("Acme Outdoor Co", "- the Acme team",
                                                                           "#14532d")
    form = {"csrf_token": token}
    for kind in ("leave_with_neighbour", "leave_in_safe_place", "add_delivery_note", "reschedule_delivery",
                 "deliver_to_pickup_point", "change_delivery_address", "cancel_order"):  # hold_delivery unticked
        form[f"actions.{kind}.allowed"] = "on"
        form[f"actions.{kind}.verification"] = "none" if kind == "add_delivery_note" else "code"
    form["actions.hold_delivery.verification"] = "code"
    assert client.post("/admin/settings/actions", data=form).status_code == 302
    config = _config(runtime)
    assert config.policy("add_delivery_note") == "none" and config.policy("cancel_order") == "code"
    with runtime.sessions() as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        assert merchant.settings["rules"]["disabled_actions"] == ["hold_delivery"]
    history = client.get("/admin/settings").get_data(as_text=True)
    assert "admin:boss@acme.example" in history and "actions" in history


def test_a_bad_value_keeps_what_was_typed_and_names_the_field(client, runtime, demo):  # noqa: ANN001
    token = _admin(client, runtime)
    before = _config(runtime)
    page = client.post("/admin/settings/brand", data={
        "csrf_token": token, "brand.name": "Typed Name", "brand.primary_colour": "#ffee00",
        "brand.accent_colour": "#0f766e", "brand.logo_url": "http://acme.example/logo.png"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    colour = _field(html, "brand.primary_colour")
    assert 'value="#ffee00"' in colour and 'aria-invalid="true"' in colour
    assert 'aria-describedby="f-brand-primary-colour-hint f-brand-primary-colour-error"' in colour
    assert 'id="f-brand-primary-colour-error"' in html and "4.5:1" in html
    assert 'id="f-brand-logo-url-error"' in html and 'value="Typed Name"' in _field(html, "brand.name")
    assert 'role="alert"' in html and 'href="#f-brand-primary-colour"' in html
    assert _config(runtime).brand_name == before.brand_name  # nothing saved


def test_a_taken_number_is_an_error_not_a_500(client, runtime, demo):  # noqa: ANN001
    from backend.db import transaction

    with transaction(runtime.sessions) as s:
        s.add(m.Merchant(slug="other", name="Other", sms_number="+441614960099", settings={}))
    token = _admin(client, runtime)
    page = client.post("/admin/settings/numbers", data={"csrf_token": token, "numbers.sms": "+441614960099",
                                                         "numbers.whatsapp": ""})
    assert page.status_code == 422 and "already another merchant" in page.get_data(as_text=True)


def test_without_the_csrf_token_nothing_is_saved(client, runtime, demo):  # noqa: ANN001
    _admin(client, runtime)
    response = client.post("/admin/settings/survey", data={"survey.after_delivery": "on"})
    assert response.status_code in (302, 400)
    assert _config(runtime).survey_after_delivery is False


def test_export_then_a_half_valid_import_shows_every_error_and_changes_nothing(client, runtime, demo):  # noqa: ANN001
    token = _admin(client, runtime)
    exported = client.get("/admin/settings/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    doc = yaml.safe_load(exported.get_data(as_text=True))
    doc["settings"]["brand"]["name"] = "Imported Name"
    doc["settings"]["quiet_hours"]["start"] = "7pm"
    doc["responses"] = {"utter_greet": "Hi {mystery}"}
    page = client.post("/admin/settings/import", data={"csrf_token": token,
                                                       "file": (io.BytesIO(yaml.safe_dump(doc).encode()), "c.yml")},
                       content_type="multipart/form-data")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "settings.quiet_hours.start" in html and "responses.utter_greet" in html and "2 problems" in html
    assert _config(runtime).brand_name == "Acme Outdoor"

    doc["responses"] = {}  # no wording overrides (an import must say so: it replaces them)
    doc["settings"]["quiet_hours"]["start"] = "19:00"
    done = client.post("/admin/settings/import", data={"csrf_token": token,
                                                       "file": (io.BytesIO(yaml.safe_dump(doc).encode()), "c.yml")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    assert _config(runtime).brand_name == "Imported Name" and _config(runtime).quiet_hours["start"] == "19:00"
    assert "Import" in client.get("/admin/settings").get_data(as_text=True)


def test_an_agent_gets_403(client, runtime, demo):  # noqa: ANN001
    make_user(runtime, "agent@acme.example", role="agent")
    sign_in(client, "agent@acme.example")
    assert client.get("/admin/settings").status_code == 403
    assert client.get("/admin/settings/export").status_code == 403


def _revision_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="revision" value="(\d+)"', html)]


def test_a_change_in_the_history_can_be_undone_and_the_undo_is_recorded(client, runtime, demo):  # noqa: ANN001
    """Two saves to different sections; undoing the first puts back only what it changed (the second stays), the
    bot follows at once, and the undo is a change of its own that can be undone in turn."""
    token = _admin(client, runtime)
    before = _config(runtime)
    brand = {"csrf_token": token, "brand.name": "Acme Outdoor Co", "brand.sign_off": "- the Acme team",
             "brand.primary_colour": "#14532D", "brand.accent_colour": "#0f766e", "brand.logo_url": ""}
    assert client.post("/admin/settings/brand", data=brand).status_code == 302
    console = {"csrf_token": token, "console.sla_first_reply_minutes": "7", "console.sla_breach_minutes": "30"}
    assert client.post("/admin/settings/console", data=console).status_code == 302
    assert _config(runtime).brand_name == "Acme Outdoor Co"
    page = client.get("/admin/settings").get_data(as_text=True)
    _console_change, brand_change = _revision_ids(page)[:2]  # newest first
    assert 'aria-label="Undo change' in page

    undone = client.post("/admin/settings/undo", data={"csrf_token": token, "revision": str(brand_change)})
    assert undone.status_code == 302 and undone.headers["Location"].endswith("/admin/settings")
    after = _config(runtime)
    assert (after.brand_name, after.primary_colour) == (before.brand_name, before.primary_colour)
    with runtime.sessions() as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        assert merchant.settings["support_hours"]["sla_minutes"] == [7, 30]  # the later change stays
        latest = s.scalars(select(m.ConfigRevision).where(m.ConfigRevision.merchant_id == merchant.id)
                           .order_by(m.ConfigRevision.id.desc())).first()
    assert latest.name == f"undo #{brand_change}: brand" and latest.author == "admin:boss@acme.example"
    page = client.get("/admin/settings").get_data(as_text=True)
    assert f"undo #{brand_change}: brand" in page and "Undid change" in page

    # The undo undone: the brand is back.
    assert client.post("/admin/settings/undo", data={"csrf_token": token, "revision": str(latest.id)}
                       ).status_code == 302
    assert _config(runtime).brand_name == "Acme Outdoor Co"


def test_an_undo_that_cannot_apply_changes_nothing_and_says_why(client, runtime, demo):  # noqa: ANN001
    token = _admin(client, runtime)
    with runtime.sessions() as s:
        others = s.scalar(select(func.max(m.ConfigRevision.id))) or 0
    with runtime.sessions() as s, s.begin():  # another tenant's change: never undone from this merchant's page
        other = m.Merchant(slug="other-shop", name="Other shop", sms_number=None, whatsapp_number=None)
        s.add(other)
        s.flush()
        theirs = m.ConfigRevision(merchant_id=other.id, kind="settings", name="brand", author="admin:x@other.example",
                                  before={"settings": {"brand": {"name": "Theirs before"}}},
                                  after={"settings": {"brand": {"name": "Theirs after"}}})
        s.add(theirs)
        s.flush()
        foreign = theirs.id
    brand_before = _config(runtime).brand_name
    for revision in (str(foreign), str(others + 999)):  # another merchant's change, and nobody's
        answer = client.post("/admin/settings/undo", data={"csrf_token": token, "revision": revision},
                             follow_redirects=True)
        assert answer.status_code == 200 and "Not undone: there is no change" in answer.get_data(as_text=True)
    assert _config(runtime).brand_name == brand_before
    for bad in ("x", "0", str(2**63)):  # not a change id at all: a clear 400, never a database error
        assert client.post("/admin/settings/undo", data={"csrf_token": token, "revision": bad}).status_code == 400
    assert client.post("/admin/settings/undo", data={"revision": "1"}).status_code == 400  # no CSRF token


def test_a_webhook_secret_not_set_aside_for_the_merchant_is_refused_on_the_page(client, runtime, demo):  # noqa: ANN001
    """The page saves through the same check as the API: naming the installation's PARCELBOT_SECRET_KEY as the
    webhook's secret (it would sign every event with it) is a 422 tied to the field, and nothing is saved."""
    token = _admin(client, runtime)
    page = client.post("/admin/settings/handoff", data={
        "csrf_token": token, "handoff.webhook.url": "https://desk.example/hook",
        "handoff.webhook.secret_env": "PARCELBOT_SECRET_KEY"})
    assert page.status_code == 422 and "MERCHANT_DEMO__" in page.get_data(as_text=True)
    with runtime.sessions() as s:
        assert "handoff_webhook" not in s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")).settings
    saved = client.post("/admin/settings/handoff", data={
        "csrf_token": token, "handoff.webhook.url": "https://desk.example/hook",
        "handoff.webhook.secret_env": "MERCHANT_DEMO__HOOK_SECRET"})
    assert saved.status_code == 302
