"""The settings schema alone: each section's bad values are refused and named by their dotted path, good ones
are normalised, and the stored JSON maps onto it and back without loss."""

from __future__ import annotations

import pytest

from bot.core.colours import WHITE, contrast_ratio
from bot.core.settings_schema import MerchantSettings, validate
from bot.services.demo import seed_demo  # noqa: F401 - the demo merchant's settings must validate (below)
from bot.services.settings_store import from_stored, to_stored


def errors(data: dict) -> dict[str, str]:
    parsed, found = validate(data)
    assert parsed is None, "expected the document to be refused"
    return found


@pytest.mark.parametrize(("data", "path", "words"), [
    ({"brand": {"primary_colour": "#ffcc00"}}, "brand.primary_colour", "4.5:1"),
    ({"brand": {"accent_colour": "#777777"}}, "brand.accent_colour", "contrast 4.48:1"),
    ({"brand": {"primary_colour": "blue"}}, "brand.primary_colour", "#1d4ed8"),
    ({"brand": {"logo_url": "http://shop.example/logo.png"}}, "brand.logo_url", "https"),
    ({"brand": {"logo_url": "javascript:alert(1)"}}, "brand.logo_url", "https"),
    ({"timezone": "Europe/Londres"}, "timezone", "IANA"),
    ({"support": {"timezone": "Mars/Olympus"}}, "support.timezone", "IANA"),
    ({"support": {"days": "Mon-Funday"}}, "support.days", "Mon-Fri"),
    ({"support": {"open": "18:00", "close": "09:00"}}, "support.close", "after open"),
    ({"support": {"open": "9am"}}, "support.open", "pattern"),
    ({"actions": {"teleport": {"allowed": True}}}, "actions.teleport", "leave_with_neighbour"),
    ({"actions": {"hold_delivery": {"verification": "trust_me"}}}, "actions.hold_delivery.verification", "code"),
    ({"fees": {"per_action": {"hold_delivery": "-1"}}}, "fees.per_action.hold_delivery", "greater than or equal"),
    ({"fees": {"per_action": {"hold_delivery": "lots"}}}, "fees.per_action.hold_delivery", "decimal"),
    ({"fees": {"currency": "pounds"}}, "fees.currency", "pattern"),
    ({"quiet_hours": {"start": "25:00"}}, "quiet_hours.start", "pattern"),
    ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, "quiet_hours.end", "differ"),
    ({"numbers": {"sms": "call me"}}, "numbers.sms", "international form"),
    ({"handoff": {"after_misunderstandings": 0}}, "handoff.after_misunderstandings", "greater than or equal"),
    ({"handoff": {"webhook": {"url": "http://desk.example/hook", "secret_env": "HOOK"}}}, "handoff.webhook.url",
     "https"),
    ({"handoff": {"webhook": {"url": "https://desk.example/hook", "secret_env": "s3cr3t value"}}},
     "handoff.webhook.secret_env", "pattern"),
    ({"console": {"sla_first_reply_minutes": 30, "sla_breach_minutes": 10}}, "console.sla_breach_minutes",
     "more than"),
    ({"money": {"cost_per_contact": "-0.01"}}, "money.cost_per_contact", "greater than or equal"),
    ({"payments": {"provider": "paypal"}}, "payments.provider", "sandbox"),
    ({"payments": {"provider": "stripe", "secret_key_env": "sk_live_51Habc", "webhook_secret_env": "W"}},
     "payments.secret_key_env", "NAME of the environment variable"),
    ({"payments": {"provider": "stripe", "webhook_secret_env": "whsec_abc123"}}, "payments.webhook_secret_env",
     "NAME of the environment variable"),
    ({"survey": {"after_delivery": "sometimes"}}, "survey.after_delivery", "boolean"),
    ({"rules": {"cutoff_time": "soon"}}, "rules.cutoff_time", "22:00"),
    ({"rules": {"disabled_actions": ["hold_delivery"]}}, "rules.disabled_actions", "actions / fees"),
    ({"backend": {"type": "http", "secret": "abc"}}, "backend", "must not hold secrets"),
    ({"brand": {"colour": "#000000"}}, "brand.colour", "Extra inputs"),
    ({"order_number_pattern": "(unclosed"}, "order_number_pattern", "regular expression"),
])
def test_each_bad_value_is_named_by_its_path(data, path, words):  # noqa: ANN001
    found = errors(data)
    assert path in found, found
    assert words.lower() in found[path].lower(), found[path]


def test_every_error_of_a_document_comes_back_at_once():
    found = errors({"brand": {"primary_colour": "#eeeeee"}, "timezone": "Nowhere", "numbers": {"sms": "x"}})
    assert {"brand.primary_colour", "timezone", "numbers.sms"} <= set(found)


def test_defaults_are_valid_and_pass_aa_contrast():
    s = MerchantSettings()
    assert contrast_ratio(s.brand.primary_colour, WHITE) >= 4.5
    assert contrast_ratio(s.brand.accent_colour, WHITE) >= 4.5
    assert [k.value for k in s.actions] == [a.value for a in type(next(iter(s.actions)))]


def test_values_are_normalised():
    parsed, found = validate({"brand": {"primary_colour": "#1D4ED8"}, "numbers": {"sms": "0161 496 0000"}})
    assert not found
    assert parsed.brand.primary_colour == "#1d4ed8" and parsed.numbers.sms == "+441614960000"


LEGACY = {  # settings written by hand before the schema existed, in the keys the bot reads
    "brand_name": "Acme Outdoor",
    "verification": {"default": "sender_number", "leave_with_neighbour": "none", "claim_damaged": "code"},
    "quiet_hours": None,
    "support_hours": {"days": ["Sat", "Sun"], "open": "10:00", "close": "16:00", "reply_within_hours": 2,
                      "sla_minutes": [3, 10]},
    "support_contact": {"email": "help@acme.example"},
    "rules": {"disabled_actions": ["cancel_order"], "fees": {"hold_delivery": "1.50"}, "currency": "EUR",
              "max_changes": 2},
    "handoff_webhook": {"url": "https://desk.example/hook", "secret_env": "DESK_SECRET"},
    "canned_replies": [{"title": "Sorry", "text": "Sorry about that."}],
    "responses": {"utter_greet": "Hello from Acme"},
    "something_else": {"kept": True},
}


def test_the_keys_the_bot_reads_map_onto_the_schema_and_back():
    data = from_stored(LEGACY, timezone="Europe/Paris", sms="+441614960000", whatsapp=None)
    parsed, found = validate(data)
    assert not found, found
    assert parsed.brand.name == "Acme Outdoor" and parsed.quiet_hours.enabled is False
    assert parsed.actions["cancel_order"].allowed is False and parsed.actions["hold_delivery"].allowed is True
    assert parsed.actions["leave_with_neighbour"].verification == "none"
    assert parsed.actions["hold_delivery"].verification == "sender_number"  # the stored default applied
    assert (parsed.console.sla_first_reply_minutes, parsed.console.sla_breach_minutes) == (3, 10)
    assert str(parsed.fees.per_action["hold_delivery"]) == "1.50" and parsed.fees.currency == "EUR"
    assert parsed.rules == {"max_changes": 2} and parsed.timezone == "Europe/Paris"

    stored, columns = to_stored(parsed, LEGACY)
    assert stored["responses"] == LEGACY["responses"] and stored["something_else"] == {"kept": True}
    assert stored["rules"]["disabled_actions"] == ["cancel_order"] and stored["rules"]["max_changes"] == 2
    assert stored["quiet_hours"] is None and stored["handoff_webhook"] == LEGACY["handoff_webhook"]
    assert stored["support_hours"]["sla_minutes"] == [3, 10] and stored["brand_name"] == "Acme Outdoor"
    assert columns == {"timezone": "Europe/Paris", "sms_number": "+441614960000", "whatsapp_number": None}
    again, _ = validate(from_stored(stored, timezone="Europe/Paris", sms="+441614960000", whatsapp=None))
    assert again == parsed


def test_the_demo_merchant_validates(runtime):  # noqa: ANN001
    from backend.db import transaction

    with transaction(runtime.sessions) as session:
        merchant = seed_demo(session)
        data = from_stored(merchant.settings, timezone=merchant.timezone, sms=merchant.sms_number,
                           whatsapp=merchant.whatsapp_number)
    parsed, found = validate(data)
    assert not found, found
    assert parsed.numbers.whatsapp == "+441614960001"


def test_times_written_without_quotes_in_yaml_are_read_as_times():
    import yaml

    parsed, found = validate(yaml.safe_load("support: {open: 10:30, close: 18:00}\nquiet_hours: {end: 7:15}"))
    assert not found, found
    assert (parsed.support.open, parsed.support.close, parsed.quiet_hours.end) == ("10:30", "18:00", "07:15")


@pytest.mark.parametrize("bad", ["Acme\x00", "Acme\ud800"])
def test_text_no_database_can_store_is_refused_by_its_path(bad):  # noqa: ANN001
    assert errors({"brand": {"name": bad}}) == {
        "brand.name": "text must not contain NUL characters or unpaired surrogates"}
