"""Saving settings and importing a configuration: all or nothing, recorded, and it really changes the bot."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from backend import models as m
from backend.db import transaction
from backend.types import ActionKind
from bot.core.merchant_config import MerchantConfig
from bot.services.merchant_settings import (
    SettingsInvalid,
    current,
    export_yaml,
    import_config,
    parse_document,
    undo,
    update,
)
from bot.services.templates import Templates
from tests.dialogues.aftersales_kit import changes, latest_code, talk, text_of

OWN = "+447700900123"  # PB100000001GB, in transit, due tomorrow
TRACKING = "PB100000001GB"


def _save(runtime, data: dict, **kw) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        update(s, s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo")), data, author="test", **kw)


def _import(runtime, text: str) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        import_config(s, merchant, parse_document(text), author="test", wording=runtime.wording)


def _merchant(runtime) -> m.Merchant:  # noqa: ANN001
    with runtime.sessions() as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        s.expunge(merchant)
        return merchant


def _revisions(runtime) -> list[m.ConfigRevision]:  # noqa: ANN001
    with runtime.sessions() as s:
        return list(s.scalars(select(m.ConfigRevision).order_by(m.ConfigRevision.id)))


def test_an_update_merges_by_section_and_records_a_revision(runtime, demo):  # noqa: ANN001
    _save(runtime, {"brand": {"name": "Acme", "sign_off": "- Team Acme", "primary_colour": "#7c2d12"},
                    "numbers": {"sms": "+441614960000", "whatsapp": "0161 496 0002"}})
    merchant = _merchant(runtime)
    config = MerchantConfig.of(merchant)
    assert (config.brand_name, config.sign_off, config.primary_colour) == ("Acme", "- Team Acme", "#7c2d12")
    assert merchant.whatsapp_number == "+441614960002"
    assert current(merchant)["timezone"] == "Europe/London"  # a section not sent is kept
    assert "cost_per_contact" not in merchant.settings["money"]  # never set: the money view says "estimate"
    [rev] = _revisions(runtime)
    assert (rev.kind, rev.author) == ("settings", "test") and "brand" in rev.name and "numbers" in rev.name
    assert rev.before["settings"]["brand"]["name"] is None and rev.after["settings"]["brand"]["name"] == "Acme"


def test_a_number_another_merchant_uses_is_a_clear_error(runtime, demo):  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        s.add(m.Merchant(slug="other", name="Other", sms_number="+441614960099", settings={}))
    with pytest.raises(SettingsInvalid) as caught:
        _save(runtime, {"numbers": {"sms": "+441614960099"}})
    assert caught.value.errors == {"numbers.sms": "+441614960099 is already another merchant's number"}
    assert _merchant(runtime).sms_number == "+441614960000" and not _revisions(runtime)


def test_export_then_import_is_the_identity(runtime, demo):  # noqa: ANN001
    _save(runtime, {"brand": {"name": "Acme", "logo_url": "https://acme.example/logo.png"},
                    "fees": {"currency": "GBP", "per_action": {"change_delivery_address": "2.00"}},
                    "actions": {"cancel_order": {"allowed": False, "verification": "code"}},
                    "quiet_hours": {"enabled": False}})
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        merchant.settings = {**merchant.settings, "responses": {"utter_greet": "Hi, this is {brand}."}}
    before = _merchant(runtime)
    text = export_yaml(before)
    _import(runtime, text)
    after = _merchant(runtime)
    assert after.settings == before.settings
    assert (after.sms_number, after.whatsapp_number, after.timezone) == (
        before.sms_number, before.whatsapp_number, before.timezone)
    assert export_yaml(after) == text
    doc = yaml.safe_load(text)
    assert doc["responses"] == {"utter_greet": "Hi, this is {brand}."}
    assert list(doc["settings"])[:3] == ["brand", "timezone", "support"]  # schema order, stable
    assert _revisions(runtime)[-1].kind == "import"


def test_a_half_valid_import_changes_nothing_and_names_every_error(runtime, demo):  # noqa: ANN001
    doc = yaml.safe_load(export_yaml(_merchant(runtime)))
    doc["settings"]["brand"]["name"] = "Renamed"  # valid on its own
    doc["settings"]["brand"]["primary_colour"] = "#fafafa"
    doc["settings"]["support"]["timezone"] = "Atlantis/Capital"
    doc["responses"] = {"utter_greet": "Hello {shopper_shoe_size}", "utter_goodbye": "Bye from {brand}",
                        "utter_not_a_template": "Hi"}
    before = _merchant(runtime).settings
    revisions = len(_revisions(runtime))
    with pytest.raises(SettingsInvalid) as caught:
        _import(runtime, yaml.safe_dump(doc))
    assert set(caught.value.errors) == {"settings.brand.primary_colour", "settings.support.timezone",
                                        "responses.utter_greet", "responses.utter_not_a_template"}
    assert "shopper_shoe_size" in caught.value.errors["responses.utter_greet"]
    assert _merchant(runtime).settings == before and len(_revisions(runtime)) == revisions


@pytest.mark.parametrize("text", ["a: [", "- just\n- a list\n", "settings: {brand: {name: x}}\nextra: 1\n"])
def test_a_malformed_file_is_refused(runtime, demo, text):  # noqa: ANN001
    with pytest.raises(SettingsInvalid) as caught:
        _import(runtime, text)
    assert set(caught.value.errors) & {"file", "extra"}


# -- the settings change the bot --------------------------------------------------------------------------
def _note(runtime) -> str:  # noqa: ANN001
    talk(runtime, OWN, "please tell the driver to ring twice")
    return text_of(talk(runtime, OWN, "yes"))


def _codes(runtime) -> int:  # noqa: ANN001
    with runtime.sessions() as s:
        return len(list(s.scalars(select(m.OneTimeCode))))


def test_verification_none_or_code_decides_whether_a_code_is_asked(runtime, demo):  # noqa: ANN001
    _save(runtime, {"quiet_hours": {"enabled": False},
                    "actions": {kind.value: {"allowed": True, "verification": "none"} for kind in ActionKind}})
    done = _note(runtime)
    assert "Done" in done and len(changes(runtime, "add_delivery_note")) == 1  # applied at the "yes"
    assert _codes(runtime) == 0

    _save(runtime, {"actions": {kind.value: {"allowed": True, "verification": "code"} for kind in ActionKind}})
    asked = _note(runtime)
    assert "code" in asked.lower() and len(changes(runtime, "add_delivery_note")) == 1, asked
    assert _codes(runtime) == 1
    talk(runtime, OWN, latest_code(runtime, OWN))
    assert len(changes(runtime, "add_delivery_note")) == 2


def test_an_action_switched_off_is_no_longer_offered_or_accepted(runtime, demo):  # noqa: ANN001
    def offered() -> dict[ActionKind, bool]:
        with runtime.sessions() as s:
            merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
            return {o.kind: o.available for o in runtime.backends(s, merchant, runtime.clock())
                    .available_actions(TRACKING)}

    assert offered()[ActionKind.HOLD] is True
    _save(runtime, {"actions": {"hold_delivery": {"allowed": False, "verification": "code"}}})
    assert offered()[ActionKind.HOLD] is False
    assert offered()[ActionKind.RESCHEDULE] is True  # only that one
    reply = text_of(talk(runtime, OWN, "please hold my parcel at the depot"))
    assert "doesn't offer" in reply, reply
    assert not changes(runtime, "hold_delivery")


def test_fees_and_quiet_hours_reach_the_rules_and_notifications(runtime, demo):  # noqa: ANN001
    from backend.rules_config import rules_for

    _save(runtime, {"fees": {"currency": "EUR", "per_action": {"change_delivery_address": "4.25"}},
                    "quiet_hours": {"enabled": True, "start": "20:00", "end": "09:30"}})
    merchant = _merchant(runtime)
    rules = rules_for(merchant)
    assert str(rules.fees[ActionKind.CHANGE_ADDRESS]) == "4.25" and rules.currency == "EUR"
    assert MerchantConfig.of(merchant).quiet_hours == {"start": "20:00", "end": "09:30"}
    _save(runtime, {"quiet_hours": {"enabled": False}})
    assert MerchantConfig.of(_merchant(runtime)).quiet_hours is None


def test_a_file_with_a_nul_character_is_refused_before_anything_is_read(runtime, demo):  # noqa: ANN001
    with pytest.raises(SettingsInvalid) as caught:
        _import(runtime, '{"settings": {"brand": {"name": "x\\u0000"}}}')
    assert caught.value.errors == {"settings.brand.name": "text must not contain NUL characters or unpaired "
                                                          "surrogates"}


# -- undo ---------------------------------------------------------------------------------------------------
def _undo(runtime, revision_id: int) -> None:  # noqa: ANN001
    with transaction(runtime.sessions) as s:
        merchant = s.scalar(select(m.Merchant).where(m.Merchant.slug == "demo"))
        undo(s, merchant, revision_id, author="test", wording=runtime.wording)


def test_undo_puts_back_only_the_fields_that_change_changed(runtime, demo):  # noqa: ANN001
    _save(runtime, {"brand": {**current(_merchant(runtime))["brand"], "name": "Acme"}})
    _save(runtime, {"brand": {**current(_merchant(runtime))["brand"], "primary_colour": "#7c2d12"}})
    name_change, _ = _revisions(runtime)
    _undo(runtime, name_change.id)
    config = MerchantConfig.of(_merchant(runtime))
    assert config.primary_colour == "#7c2d12"  # the later change to another field of the section stays
    assert config.brand_name != "Acme"
    assert _revisions(runtime)[-1].name == f"undo #{name_change.id}: brand"


def test_undo_refuses_a_field_changed_again_since_and_changes_nothing(runtime, demo):  # noqa: ANN001
    _save(runtime, {"brand": {**current(_merchant(runtime))["brand"], "name": "Acme"}})
    _save(runtime, {"brand": {**current(_merchant(runtime))["brand"], "name": "Acme Outdoor"}})
    first, _ = _revisions(runtime)
    with pytest.raises(SettingsInvalid) as caught:
        _undo(runtime, first.id)
    assert set(caught.value.errors) == {"brand.name"}
    assert "undo the later change first" in caught.value.errors["brand.name"]
    assert MerchantConfig.of(_merchant(runtime)).brand_name == "Acme Outdoor" and len(_revisions(runtime)) == 2


def test_undoing_an_import_puts_back_its_overrides_and_keeps_a_later_wording_edit(runtime, demo):  # noqa: ANN001
    doc = yaml.safe_load(export_yaml(_merchant(runtime)))
    doc["responses"] = {"utter_greet": "Hi, this is {brand}."}
    _import(runtime, yaml.safe_dump(doc))
    with transaction(runtime.sessions) as s:  # then someone edits another template on the Wording page
        Templates(runtime.wording).save(s, _merchant(runtime).id, "utter_goodbye", None, "Bye from {brand}!",
                                        author="test")
    imported = next(r for r in _revisions(runtime) if r.kind == "import")
    _undo(runtime, imported.id)
    responses = _merchant(runtime).settings.get("responses") or {}
    assert "utter_greet" not in responses  # what the import brought is gone
    assert responses.get("utter_goodbye") == "Bye from {brand}!"  # the later edit is not thrown away


# -- an import is the whole configuration -------------------------------------------------------------------
@pytest.mark.parametrize("cut", ["settings: null", "empty", "half", "no responses"])
def test_an_import_cut_short_changes_nothing(runtime, demo, cut):  # noqa: ANN001
    merchant = _merchant(runtime)
    text = export_yaml(merchant)
    doc = yaml.safe_load(text)
    if cut == "settings: null":
        bad = "parcelbot_config: 1\nsettings:\nresponses: {}\n"
    elif cut == "empty":
        bad = "{}"
    elif cut == "half":  # a file cut at a line break, half-way through its settings
        lines = text.splitlines()
        bad = "\n".join(lines[: len(lines) // 2]).split("responses:")[0]
    else:
        doc.pop("responses")
        bad = yaml.safe_dump(doc)
    before = (merchant.settings, merchant.sms_number)
    try:
        _import(runtime, bad)
    except SettingsInvalid as exc:
        assert exc.errors
    else:
        pytest.fail("a cut-short import was accepted")
    after = _merchant(runtime)
    assert (after.settings, after.sms_number) == before


def test_undo_twice_says_there_is_nothing_to_undo_and_reaches_an_actions_field(runtime, demo):  # noqa: ANN001
    actions = current(_merchant(runtime))["actions"]
    hold = actions["hold_delivery"]
    first = {**actions, "hold_delivery": {**hold, "allowed": not hold["allowed"]}}
    _save(runtime, {"actions": first})
    second = {**first, "hold_delivery": {**first["hold_delivery"], "verification": "none"}}
    _save(runtime, {"actions": second})  # a later edit to another field of the same action
    allowed_change = _revisions(runtime)[0]
    _undo(runtime, allowed_change.id)  # three levels down: actions.hold_delivery.allowed alone goes back
    now = current(_merchant(runtime))["actions"]["hold_delivery"]
    assert now == {"allowed": hold["allowed"], "verification": "none"}
    with pytest.raises(SettingsInvalid) as caught:
        _undo(runtime, allowed_change.id)
    assert "nothing to undo" in caught.value.errors["revision"]


def test_undo_refuses_a_field_a_later_change_touched_even_if_it_came_back(runtime, demo):  # noqa: ANN001
    """A -> B, then B -> C -> B: the value now is the first change's B again, but undoing the first change would
    throw away the later two, so it is refused, naming the field."""
    for name in ("Acme", "Acme Outdoor", "Acme"):
        _save(runtime, {"brand": {**current(_merchant(runtime))["brand"], "name": name}})
    first = _revisions(runtime)[0]
    with pytest.raises(SettingsInvalid) as caught:
        _undo(runtime, first.id)
    assert set(caught.value.errors) == {"brand.name"}
    assert MerchantConfig.of(_merchant(runtime)).brand_name == "Acme"
